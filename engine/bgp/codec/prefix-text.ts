/** Text forms of NLRI entries: "10.0.0.0/24", "fd00::/64", with " path 3" on ADD-PATH sessions. */
import { formatIPv4 } from '../../net/ip.ts';
import type { Nlri4, Nlri6 } from './types.ts';

/** "10.0.0.0/24" or "fd00::/64" (+ " path N" when the entry has an ADD-PATH id). */
export function formatPrefix(p: Nlri4 | Nlri6): string {
  const a = typeof p.addr === 'number' ? formatIPv4(p.addr) : p.addr;
  return p.pathId === undefined ? `${a}/${p.len}` : `${a}/${p.len} path ${p.pathId}`;
}
