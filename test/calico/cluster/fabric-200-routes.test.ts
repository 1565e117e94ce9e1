/**
 * Issue 11 (scale), must-show: a 200-node route-reflector fabric with 400 pods converges to
 * the right routes, and to the same routes as before the control plane was made fast.
 *
 * Two independent guards:
 * - the expected BGP routes are computed from the model (every other node's affine blocks,
 *   via that node's address on tunl0, onlink, proto bird — IPIP Always) and compared with
 *   every node's kernel, nothing missing and nothing extra;
 * - a digest of every namespace's whole kernel routing state (all tables, every field) and of
 *   every speaker's Loc-RIB best paths (next hop, originator, cluster list, learned from),
 *   pinned from a run of the engine BEFORE the scale work (commit ddf5ee7). Any change to what
 *   the simulated control plane programs — not only to the BGP routes — changes it.
 *
 * Not timed: speed lives in bench/scale/.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CalicoCluster } from '../../../engine/calico/cluster/cluster.ts';
import { affinityPrefix, parseAffinityKey } from '../../../engine/calico/datastore/index.ts';
import { formatIPv4 } from '../../../engine/net/ip.ts';
import { SimLab } from '../../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../../engine/runtime/sim/calico.ts';
import { RTPROT_BIRD } from '../../../engine/sim/types.ts';
import type { Kernel } from '../../../engine/sim/kernel.ts';
import { generateRrFabric, nodeName, podPlacement } from '../../../bench/scale/fabric.ts';

const N = 200;
const PODS = 400;
/** sha256 of `routingState` over the whole lab, measured at commit ddf5ee7 (before issue 11's optimisations). */
const PINNED = '62c5f809668204cc23cce80c459cdfee53f35b7fd15b969258f54c6f27edcb05';

/** One line per route of a kernel (every table, every field), sorted. */
function kernelRoutes(k: Kernel): string[] {
  const dev = (i: number | undefined): string => (i === undefined ? '-' : k.devices.get(i)?.name ?? `#${i}`);
  return k.routes.map((r) => [
    r.table, r.type, `${formatIPv4(r.dst.addr)}/${r.dst.len}`, r.gateway === undefined ? '-' : formatIPv4(r.gateway), dev(r.ifindex),
    r.protocol, r.scope, r.prefsrc === undefined ? '-' : formatIPv4(r.prefsrc), r.metric, r.onlink ? 'onlink' : '-', r.linkdown ? 'linkdown' : '-',
  ].join(' ')).sort();
}

/** The digest of every namespace's routes and every speaker's best paths, nodes in name order. */
function routingState(lab: SimLab, c: CalicoCluster): string {
  const h = createHash('sha256');
  for (const name of lab.topology.nodes.map((n) => n.name).sort()) {
    h.update(`## ${name}\n${kernelRoutes(lab.kernel(name)).join('\n')}\n`);
    const sp = c.agents.get(name)?.speaker ?? c.routers.get(name)?.speaker;
    if (!sp) continue;
    const best = [...sp.rib.destinations()].filter((d) => d.best).map((d) => {
      const a = d.best!.attrs;
      return `${d.prefix} ${a.nextHop} ${a.originatorId ?? '-'} ${(a.clusterList ?? []).join(',')} ${d.best!.from.key}`;
    });
    h.update(`${best.sort().join('\n')}\n`);
  }
  return h.digest('hex');
}

describe(`a ${N}-node route-reflector fabric with ${PODS} pods`, () => {
  let lab: SimLab;
  let c: CalicoCluster;
  let converged = false;
  beforeAll(async () => {
    lab = SimLab.deploy(generateRrFabric(N), { captureAll: false });
    c = await startCalico(lab);
    for (const [node, pod] of podPlacement(N, PODS)) await c.addPod(node, 'default', pod, { app: pod });
    converged = c.converge(120_000).converged;
  }, 300_000);

  it("converges, and every node's BIRD routes are exactly the other nodes' blocks via their address on tunl0", async () => {
    expect(converged).toBe(true);
    const blocks: [cidr: string, owner: string, via: string][] = [];
    for (let i = 0; i < N; i++) {
      const n = nodeName(i);
      const a = lab.topology.nodes.find((x) => x.name === n)!.interfaces[0]!.address!;
      for (const kv of (await c.ds.list(affinityPrefix(n, 4))).kvs) blocks.push([parseAffinityKey(kv.key)!.cidr, n, formatIPv4(a.addr)]);
    }
    expect(blocks.length).toBe(N);
    for (let i = 0; i < N; i++) {
      const me = nodeName(i);
      const k = lab.kernel(me);
      const bird = k.routes.filter((r) => r.protocol === RTPROT_BIRD).map((r) => (r.type === 'blackhole'
        ? `blackhole ${formatIPv4(r.dst.addr)}/${r.dst.len}`
        : `${formatIPv4(r.dst.addr)}/${r.dst.len} via ${r.gateway === undefined ? '-' : formatIPv4(r.gateway)} dev ${k.devices.get(r.ifindex ?? -1)?.name ?? '-'}${r.onlink ? ' onlink' : ''}`)).sort();
      // Its own blocks as blackholes (BIRD's static protocol), every other node's block over IPIP.
      const want = blocks.map(([cidr, owner, via]) => (owner === me ? `blackhole ${cidr}` : `${cidr} via ${via} dev tunl0 onlink`)).sort();
      expect(bird, me).toEqual(want);
    }
  });

  it('programs the same routes, in every namespace and every Loc-RIB, as the engine did before the scale work', () => {
    expect(routingState(lab, c)).toBe(PINNED);
  });
});
