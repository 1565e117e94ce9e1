/**
 * Names and attributes Calico's components put on allocations, so `calicoctl ipam show
 * --ip` and the stored blocks read like a real cluster's:
 * - pods (CNI plugin): handle `k8s-pod-network.<containerID>`, attributes namespace, pod,
 *   node, timestamp (Go's `time.Now().UTC().String()`);
 * - tunnels (calico-node allocateip): handle `<kind>-tunnel-addr-<node>`, attributes node
 *   and type (`ipipTunnelAddress`, `vxlanTunnelAddress`, `wireguardTunnelAddress`).
 */
import type { IpamClient } from './ipam.ts';
import type { AutoAssignArgs } from './types.ts';

/** The CNI network name Calico's manifests use. */
export const POD_NETWORK = 'k8s-pod-network';

/** Tunnel address kinds. */
export type TunnelKind = 'ipip' | 'vxlan' | 'wireguard';

const TUNNEL_TYPE: Record<TunnelKind, string> = {
  ipip: 'ipipTunnelAddress', vxlan: 'vxlanTunnelAddress', wireguard: 'wireguardTunnelAddress',
};

/** The pod handle: `k8s-pod-network.<containerID>`. */
export function podHandle(containerId: string, network = POD_NETWORK): string {
  return `${network}.${containerId}`;
}

/** Go's `Time.UTC().String()`: `2006-01-02 15:04:05.999999999 +0000 UTC`, trailing zeros trimmed. */
export function goUtcString(d: Date): string {
  // The pods of a batch share one (virtual) time: the last text answers again.
  const ms = d.getTime();
  if (lastUtc !== undefined && lastUtc.ms === ms) return lastUtc.text;
  const text = utcText(d);
  lastUtc = { ms, text };
  return text;
}

let lastUtc: { readonly ms: number; readonly text: string } | undefined;

function utcText(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  const frac = p(d.getUTCMilliseconds(), 3).replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** Attributes the CNI plugin stores for a pod's address. */
export function podAttributes(p: { namespace: string; pod: string; node: string; now: Date }): Record<string, string> {
  return { namespace: p.namespace, node: p.node, pod: p.pod, timestamp: goUtcString(p.now) };
}

/** The tunnel handle: `ipip-tunnel-addr-<node>` etc. */
export function tunnelHandle(kind: TunnelKind, node: string): string {
  return `${kind}-tunnel-addr-${node}`;
}

/** Attributes calico-node stores for a tunnel address. */
export function tunnelAttributes(kind: TunnelKind, node: string): Record<string, string> {
  return { node, type: TUNNEL_TYPE[kind] };
}

/**
 * What calico-node's allocateip does at startup: keep the node's tunnel address if its
 * handle still holds one, else assign one (intended use Tunnel) from the given pools (or
 * every pool that selects the node). Throws Calico's error when none is free.
 */
export async function ensureTunnelAddress(
  ipam: IpamClient, node: string, kind: TunnelKind, pools?: string[], nodeLabels?: Record<string, string>,
): Promise<string> {
  const handle = tunnelHandle(kind, node);
  const held = await ipam.ipsByHandle(handle).catch(() => [] as string[]);
  if (held.length > 0) return held[0]!;
  const ia = await ipam.autoAssign({
    num4: 1, handleId: handle, attrs: tunnelAttributes(kind, node), hostname: node,
    intendedUse: 'Tunnel', ...(pools ? { ipv4Pools: pools } : {}), ...(nodeLabels ? { nodeLabels } : {}),
  });
  const err = ia.partialFulfillmentError();
  if (err) throw err;
  return ia.ips[0]!;
}

/**
 * What the calico-ipam CNI plugin does on ADD for one IPv4 address: assign with the pod's
 * handle and attributes; throws `failed to request IPv4 addresses: …` as the plugin reports.
 */
export async function assignPodAddress(
  ipam: IpamClient,
  p: { containerId: string; namespace: string; pod: string; node: string; now: Date; pools?: string[]; nodeLabels?: Record<string, string> },
): Promise<string> {
  // Optional fields assigned, not spread in (a spread literal per pod cost a runtime call each).
  const args: { -readonly [K in keyof AutoAssignArgs]: AutoAssignArgs[K] } = {
    num4: 1, handleId: podHandle(p.containerId), hostname: p.node, intendedUse: 'Workload', attrs: podAttributes(p),
  };
  if (p.pools) args.ipv4Pools = p.pools;
  if (p.nodeLabels) args.nodeLabels = p.nodeLabels;
  const ia = await ipam.autoAssign(args);
  const err = ia.partialFulfillmentError();
  if (err) throw new Error(`failed to request IPv4 addresses: ${err.message}`);
  return ia.ips[0]!;
}
