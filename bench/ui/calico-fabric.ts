/**
 * A converged Calico route-reflector fabric on the simulator, served as `podlab up FILE` serves
 * it, for the UI's large-fabric load bench and browser test: bench/ui/generate.ts's `rr`
 * fabric, Calico started and converged, and what the page must end up showing — counted from
 * the lab itself (the BGP speakers' sessions, the nodes' kernels), not from the UI's code.
 */
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { startCalico } from '../../engine/runtime/sim/calico.ts';
import { serveUi, type UiServer } from '../../engine/server/index.ts';
import { uiFabric } from './generate.ts';

/** A served converged fabric and what its page should show. */
export interface ServedFabric {
  readonly lab: SimLab;
  readonly ui: UiServer;
  /** Kubernetes nodes. */
  readonly nodes: number;
  /** BGP sessions (pairs of speakers) Established in the lab. */
  readonly sessions: number;
  /** Node pairs one of which routes the other's block into tunl0 (IPIP). */
  readonly tunnels: number;
  /** How many events the server holds (what the page has to take in). */
  readonly events: number;
  /** A non-reflector node and its routes into tunl0, as its kernel holds them. */
  readonly probe: { readonly node: string; readonly tunl0Routes: number };
  close(): Promise<void>;
}

/** Deploys an `n`-node rr fabric, converges Calico and serves the UI on a free port of 127.0.0.1. */
export async function serveCalicoFabric(n: number, opts: { captureAll?: boolean } = {}): Promise<ServedFabric> {
  const lab = SimLab.deploy(uiFabric(n, 'rr'), { captureAll: opts.captureAll ?? true });
  const c = await startCalico(lab);
  const r = c.converge(120_000);
  if (!r.converged) throw new Error(`the ${n}-node fabric did not converge in 120 s of virtual time`);
  const ui = await serveUi(lab, { port: 0 });
  const k8s = lab.topology.nodes.filter((x) => x.kind === 'k8s-node').map((x) => x.name);
  // Sessions and tunnels as the nodes' own tools print them: `birdc show protocols` (Calico
  // names a peer's protocol after its address, Node_10_30_1_11) and `ip route` (via the owner).
  const owner = new Map<string, string>();
  for (const node of k8s) for (const m of lab.exec(node, 'ip -4 addr show eth0').stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\//g)) owner.set(m[1]!, node);
  const sessions = new Set<string>();
  const tunnels = new Set<string>();
  let probe = { node: '', tunl0Routes: 0 };
  for (const node of k8s) {
    for (const m of lab.exec(node, 'birdc show protocols').stdout.matchAll(/^\w+?_(\d+_\d+_\d+_\d+)\s+BGP\s.*Established/gm)) {
      const peer = owner.get(m[1]!.replaceAll('_', '.'));
      if (peer) sessions.add([node, peer].sort().join('~'));
    }
    const routes = lab.exec(node, 'ip route').stdout.split('\n').filter((l) => / dev tunl0 /.test(l));
    for (const l of routes) {
      const far = owner.get(/ via (\S+)/.exec(l)?.[1] ?? '');
      if (far) tunnels.add([node, far].sort().join('~'));
    }
    if (!probe.node && !node.startsWith('rr-')) probe = { node, tunl0Routes: routes.length };
  }
  return {
    lab, ui, nodes: k8s.length, sessions: sessions.size, tunnels: tunnels.size, events: await eventCount(ui), probe,
    close: () => ui.close(),
  };
}

/** How many events the server holds (its /api/events total header). */
async function eventCount(ui: UiServer): Promise<number> {
  const r = await fetch(`${ui.url}api/events?since=0&limit=1`);
  await r.arrayBuffer();
  return Number(r.headers.get('x-podlab-events-total'));
}
