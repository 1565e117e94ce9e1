/**
 * Felix's MTU auto-detection (v3.17+, felix/dataplane/linux/int_dataplane.go): the host MTU
 * is the smallest MTU among up interfaces whose name matches `mtuIfacePattern`; tunnel
 * MTUs subtract their overhead; the pod MTU (what Felix writes to /var/lib/calico/mtu for
 * the CNI plugin) is the smallest over the enabled encapsulations.
 */
import type { HostInterface } from './types.ts';

/** Felix's default `MTUIfacePattern`. */
export const DEFAULT_MTU_IFACE_PATTERN = '^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)';
/** Used when no interface matches. */
export const FALLBACK_HOST_MTU = 1460;
/** Encapsulation overheads in bytes. */
export const OVERHEAD = { ipip: 20, vxlan: 50 } as const;

/** The host MTU by Felix's rule. */
export function hostMtu(ifaces: readonly HostInterface[], pattern = DEFAULT_MTU_IFACE_PATTERN): number {
  const re = patternRegExp(pattern);
  let min = Infinity;
  for (const i of ifaces) if (i.up && i.mtu < min && re.test(i.name)) min = i.mtu;
  return min === Infinity ? FALLBACK_HOST_MTU : min;
}

/** Each pattern compiled once (every Felix pass and every pod's CNI ADD asks; the pattern is nearly always the default). */
const PATTERNS = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let re = PATTERNS.get(pattern);
  if (!re) {
    if (PATTERNS.size >= 64) PATTERNS.clear();
    PATTERNS.set(pattern, (re = new RegExp(pattern)));
  }
  return re;
}

/** Tunnel and pod MTUs for a host MTU and the enabled encapsulations (explicit settings win). */
export function tunnelMtus(host: number, enabled: { ipip: boolean; vxlan: boolean }, explicit: { ipipMTU?: number; vxlanMTU?: number } = {}): { ipip: number; vxlan: number; pod: number } {
  const ipip = explicit.ipipMTU || host - OVERHEAD.ipip;
  const vxlan = explicit.vxlanMTU || host - OVERHEAD.vxlan;
  const candidates = [...(enabled.ipip ? [ipip] : []), ...(enabled.vxlan ? [vxlan] : [])];
  return { ipip, vxlan, pod: candidates.length ? Math.min(...candidates) : host };
}
