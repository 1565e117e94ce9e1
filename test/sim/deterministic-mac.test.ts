/**
 * A device's MAC is a hash of its node and name (deterministic across runs). It is computed
 * without building the hashed strings; the MACs must be the ones the string form gave, since
 * recordings, captures and `ip link` outputs show them.
 */
import { describe, expect, it } from 'vitest';
import { hash32, hash32Of, Rng } from '../../engine/sim/clock.ts';
import { deterministicMac } from '../../engine/sim/kernel.ts';

/** The string form it replaced. */
function reference(node: string, ifname: string): string {
  const h1 = hash32(`${node}/${ifname}`);
  const h2 = hash32(`${ifname}@${node}`);
  const b = [(((h1 >>> 24) & 0xfe) | 0x02) & 0xff, (h1 >>> 16) & 255, (h1 >>> 8) & 255, h1 & 255, (h2 >>> 8) & 255, h2 & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

describe('deterministicMac', () => {
  it('gives the MACs of the string form, for any node and interface name', () => {
    const rng = new Rng(7);
    const word = (): string => Array.from({ length: Math.floor(rng.next() * 16) }, () => String.fromCharCode(32 + Math.floor(rng.next() * 300))).join('');
    const names: [string, string][] = [['rack0-node1', 'eth0'], ['n1', 'lo'], ['', ''], ['default-pod-0-x', 'cali0123456789a'], ['é/ü', '@@']];
    for (let i = 0; i < 2000; i++) names.push([word(), word()]);
    for (const [node, ifname] of names) {
      expect(deterministicMac(node, ifname)).toBe(reference(node, ifname));
      expect(hash32Of(node, '/', ifname)).toBe(hash32(`${node}/${ifname}`));
    }
    expect(deterministicMac('rack0-node1', 'eth0')).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });
});
