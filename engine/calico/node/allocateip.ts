/**
 * calico-node's tunnel-address allocator (node/pkg/allocateip, run as a daemon inside the
 * calico-node container): whenever IP pools or this node's Node change, it reconciles the
 * node's IPIP and VXLAN tunnel addresses with the pools that select the node.
 *
 * Per kind (IPIP, then VXLAN, Calico's order), the candidate pools are the enabled IPv4 pools
 * that select the node, allow `Tunnel` use, and enable that encapsulation (Always or
 * CrossSubnet). With candidates, the address on the Node is kept when IPAM still holds it
 * for this node with this kind's attributes and it lies in a candidate pool; otherwise
 * whatever the handle holds is released and a new address is assigned. Without candidates
 * the address is removed from the Node and released by handle. The Node is written only when
 * it changed.
 *
 * The VXLAN MAC: real allocateip writes only the address; Felix derives the VTEP MAC from the
 * node name when `vxlanTunnelMACAddr` is empty. podlab writes that same derived MAC with the
 * address, so `calicoctl get node -o yaml` shows the VTEP's MAC and the VTEP is unchanged.
 */
import type { Datastore, JsonValue } from '../datastore/index.ts';
import { resourceKey } from '../datastore/index.ts';
import { tunnelAttributes, tunnelHandle } from '../ipam/index.ts';
import type { CompileSelector, IpamClient, TunnelKind } from '../ipam/index.ts';
import { calicoSelectorMatcher } from '../confd/index.ts';
import { vxlanMac } from '../felix/names.ts';
import { parseIPv4, parsePrefix4, prefixContains } from '../../net/ip.ts';
import { readPools } from './datastore-view.ts';

type NodeDoc = {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { bgp?: Record<string, unknown>; ipv4VXLANTunnelAddr?: string; vxlanTunnelMACAddr?: string; [k: string]: unknown };
};

/** IPAM's pool nodeSelector compiler backed by Calico's selector module (IPAM alone knows only all()). */
export function calicoCompileSelector(): CompileSelector {
  const match = calicoSelectorMatcher();
  return (expr) => (labels) => match(expr || 'all()', labels);
}

/** What one reconciliation did, for the agent's events. */
export interface TunnelAddressChange {
  readonly kind: 'ipip' | 'vxlan';
  readonly action: 'assigned' | 'released';
  readonly address: string;
}

/**
 * One matcher (and its parsed selectors) for every reconciliation: the pools' nodeSelectors are
 * a handful of texts, parsed once instead of on every pass of every node.
 */
const POOL_SELECTORS = calicoSelectorMatcher();

/** Pools a pool list offers for a tunnel kind, as determineEnabledPoolCIDRs picks them. */
export function tunnelPoolCidrs(
  pools: readonly { spec: { cidr: string; family: 4 | 6; disabled: boolean; nodeSelector: string; ipipMode: string; vxlanMode: string; allowedUses: readonly string[] } }[],
  kind: 'ipip' | 'vxlan', labels: Readonly<Record<string, string>>,
): string[] {
  const match = POOL_SELECTORS;
  return pools.filter((p) => {
    const s = p.spec;
    if (s.family !== 4 || s.disabled || !s.allowedUses.includes('Tunnel')) return false;
    if ((kind === 'ipip' ? s.ipipMode : s.vxlanMode) === 'Never') return false;
    return match(s.nodeSelector || 'all()', labels);
  }).map((p) => p.spec.cidr);
}

function inAny(ip: string, cidrs: readonly string[]): boolean {
  const a = parseIPv4(ip);
  return cidrs.some((c) => prefixContains(parsePrefix4(c), a));
}

async function releaseHandle(ipam: IpamClient, kind: TunnelKind, node: string): Promise<void> {
  // A handle that does not exist means nothing is held (Calico ignores ResourceDoesNotExist).
  // Looked up first: every pass of every node without that tunnel would otherwise build and
  // catch an IpamError (a stack trace each).
  const id = tunnelHandle(kind, node);
  if (!(await ipam.store.getHandle(id))) return;
  await ipam.releaseByHandle(id).catch(() => undefined);
}

/** The address to keep, or undefined when a new one must be assigned (after releasing the handle). */
async function keepable(ipam: IpamClient, kind: TunnelKind, node: string, current: string | undefined, cidrs: readonly string[]): Promise<string | undefined> {
  if (!current) return undefined;
  const a = await ipam.getAssignmentAttributes(current);
  const want = tunnelAttributes(kind, node);
  const ours = a !== undefined && a.attrs['type'] === want['type'] && a.attrs['node'] === node;
  if (ours && inAny(current, cidrs)) return current;
  return undefined;
}

async function assign(ipam: IpamClient, kind: TunnelKind, node: string, cidrs: string[], labels: Record<string, string>): Promise<string> {
  const ia = await ipam.autoAssign({
    num4: 1, handleId: tunnelHandle(kind, node), attrs: tunnelAttributes(kind, node), hostname: node,
    intendedUse: 'Tunnel', ipv4Pools: cidrs, nodeLabels: labels,
  });
  const err = ia.partialFulfillmentError();
  if (err) throw err;
  return ia.ips[0]!;
}

/**
 * One reconciliation of `node`'s tunnel addresses (reconcileTunnelAddrs): reads the Node and
 * the pools, assigns / keeps / releases, writes the Node back if it changed. Returns what
 * changed; throws IPAM's error when no address is free (the Node is then left as it was and
 * an address assigned in this pass is released, as Calico does).
 */
export async function reconcileTunnelAddresses(ds: Datastore, ipam: IpamClient, node: string): Promise<TunnelAddressChange[]> {
  const key = resourceKey('Node', node);
  const kv = await ds.get(key);
  if (!kv) return [];
  const doc = structuredClone(kv.value) as unknown as NodeDoc;
  const labels = doc.metadata.labels ?? {};
  const pools = await readPools(ds);
  const spec = (doc.spec ??= {});
  const before = JSON.stringify(doc);
  const changes: TunnelAddressChange[] = [];
  const assigned: TunnelKind[] = [];
  try {
    for (const kind of ['ipip', 'vxlan'] as const) {
      const cidrs = tunnelPoolCidrs(pools, kind, labels);
      const current = kind === 'ipip' ? (spec.bgp?.ipv4IPIPTunnelAddr as string | undefined) : spec.ipv4VXLANTunnelAddr;
      if (cidrs.length === 0) {
        if (current) changes.push({ kind, action: 'released', address: current });
        await releaseHandle(ipam, kind, node);
        if (kind === 'ipip') {
          if (spec.bgp) {
            delete spec.bgp.ipv4IPIPTunnelAddr;
            // libcalico rejects an empty BGP spec: Calico nils it out.
            if (Object.keys(spec.bgp).length === 0) delete spec.bgp;
          }
        } else {
          delete spec.ipv4VXLANTunnelAddr;
          if (spec.vxlanTunnelMACAddr !== undefined && spec.vxlanTunnelMACAddr === vxlanMac(node)) delete spec.vxlanTunnelMACAddr;
        }
        continue;
      }
      if (await keepable(ipam, kind, node, current, cidrs)) {
        if (kind === 'vxlan' && !spec.vxlanTunnelMACAddr) spec.vxlanTunnelMACAddr = vxlanMac(node);
        continue;
      }
      // Defensive, as Calico: whatever the handle still holds (wrong pool, lost Node field) goes.
      if (current) changes.push({ kind, action: 'released', address: current });
      await releaseHandle(ipam, kind, node);
      const ip = await assign(ipam, kind, node, cidrs, labels);
      assigned.push(kind);
      changes.push({ kind, action: 'assigned', address: ip });
      if (kind === 'ipip') (spec.bgp ??= {}).ipv4IPIPTunnelAddr = ip;
      else {
        spec.ipv4VXLANTunnelAddr = ip;
        if (!spec.vxlanTunnelMACAddr) spec.vxlanTunnelMACAddr = vxlanMac(node);
      }
    }
  } catch (e) {
    for (const kind of assigned) await releaseHandle(ipam, kind, node);
    throw e;
  }
  if (JSON.stringify(doc) !== before) await ds.put(key, doc as unknown as JsonValue);
  return changes;
}
