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
  const re = new RegExp(pattern);
  const mtus = ifaces.filter((i) => i.up && re.test(i.name)).map((i) => i.mtu);
  return mtus.length ? Math.min(...mtus) : FALLBACK_HOST_MTU;
}

/** Tunnel and pod MTUs for a host MTU and the enabled encapsulations (explicit settings win). */
export function tunnelMtus(host: number, enabled: { ipip: boolean; vxlan: boolean }, explicit: { ipipMTU?: number; vxlanMTU?: number } = {}): { ipip: number; vxlan: number; pod: number } {
  const ipip = explicit.ipipMTU || host - OVERHEAD.ipip;
  const vxlan = explicit.vxlanMTU || host - OVERHEAD.vxlan;
  const candidates = [...(enabled.ipip ? [ipip] : []), ...(enabled.vxlan ? [vxlan] : [])];
  return { ipip, vxlan, pod: candidates.length ? Math.min(...candidates) : host };
}
