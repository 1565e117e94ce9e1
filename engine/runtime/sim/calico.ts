/**
 * Calico on the simulator: a `CalicoCluster` hosted by a SimLab. Each calico-node gets the
 * node's kernel, Felix's sim dataplane driver over the node's netfilter, the virtual clock
 * and BGP over the simulated TCP stack; the fabric's routers get their kernel, clock and
 * TCP. `calicoctl` and `birdc`/`birdcl` join every node's shell (`lab.exec`), and the
 * cluster's events are declared in the event schema as `calico.*` extension events.
 */
import { registerEventType } from '../../events.ts';
import type { EventBody } from '../../events.ts';
import { CalicoCluster } from '../../calico/cluster/cluster.ts';
import type { ClusterHost, ClusterOptions } from '../../calico/cluster/cluster.ts';
import { birdc, calicoctl } from '../../calico/cluster/commands.ts';
import { calicoctlAsync } from '../../calico/cluster/calicoctl.ts';
import type { NodeAgentEvent, NodeAgentHost } from '../../calico/node/agent.ts';
import type { RouterHost } from '../../calico/cluster/router.ts';
import { SimDataplane, hostInterfaces } from './dataplane-driver.ts';
import type { SimLab } from './sim-lab.ts';
import { simClock, simTransport } from './bgp-transport.ts';
import type { KubeCluster } from '../../kube/cluster.ts';
import { kubectl, kubectlAsync } from '../../kube/kubectl.ts';
import { readFileSync } from 'node:fs';
import { curlOnKernel } from '../../sim/apps/http.ts';
import { startKube } from './kube.ts';

declare module '../../events.ts' {
  interface ExtensionEvents {
    'calico.bgp-session': { readonly node: string; readonly peer: string; readonly name: string; readonly from: string; readonly to: string; readonly reason: string };
    'calico.route': { readonly node: string; readonly action: string; readonly route: string; readonly reason: string };
  }
}

const str = (e: Record<string, unknown>, ...keys: string[]): string | undefined => {
  for (const k of keys) if (typeof e[k] !== 'string') return `'${k}' must be a string`;
  return undefined;
};
registerEventType('calico.bgp-session', (e) => str(e, 'node', 'peer', 'name', 'from', 'to', 'reason'));
registerEventType('calico.route', (e) => str(e, 'node', 'action', 'route', 'reason'));

/** The event-stream body of a calico-node or router event (Felix/confd bookkeeping is not streamed). */
export function calicoEventBody(e: NodeAgentEvent): EventBody | undefined {
  if (e.type === 'bgp-session') return { type: 'calico.bgp-session', node: e.node, peer: e.peer, name: e.name, from: e.from, to: e.to, reason: e.reason };
  if (e.type === 'route') return { type: 'calico.route', node: e.node, action: e.action, route: e.route, reason: e.reason };
  return undefined;
}

const clusters = new WeakMap<SimLab, CalicoCluster>();
const kubes = new WeakMap<SimLab, KubeCluster>();

/** The ClusterHost of a SimLab (one dataplane driver, transport and clock per node). */
export function simClusterHost(lab: SimLab): ClusterHost {
  const nodeHosts = new Map<string, NodeAgentHost>();
  const routerHosts = new Map<string, RouterHost>();
  const w = lab.world;
  return {
    topology: lab.topology,
    world: w,
    nodeHost(node) {
      let h = nodeHosts.get(node);
      if (!h) {
        const k = lab.kernel(node);
        const nf = lab.netfilter(node);
        h = { kernel: k, dataplane: new SimDataplane(k, nf), hostInterfaces: () => hostInterfaces(k), clock: simClock(k.clock), transport: simTransport(k, { owner: 'bird' }) };
        nodeHosts.set(node, h);
      }
      return h;
    },
    routerHost(node) {
      let h = routerHosts.get(node);
      if (!h) {
        const k = lab.kernel(node);
        h = { kernel: k, clock: simClock(k.clock), transport: simTransport(k, { owner: 'bird' }) };
        routerHosts.set(node, h);
      }
      return h;
    },
    now: () => w.clock.nowMs(),
    runWhile: (notDone, maxMs) => w.clock.runWhile(notDone, maxMs),
    run: (ms) => w.run(ms),
  };
}

/** True when the topology asks for Calico (it has a `calico:` section and k8s nodes). */
export function wantsCalico(lab: SimLab): boolean {
  return lab.topology.calico.length > 0 && lab.topology.nodes.some((n) => n.kind === 'k8s-node');
}

/** Starts Calico on a deployed SimLab and adds calicoctl/birdc/birdcl, kubectl and curl to its nodes' shells. */
export async function startCalico(lab: SimLab, opts: ClusterOptions = {}): Promise<CalicoCluster> {
  const existing = clusters.get(lab);
  if (existing) return existing;
  const c = await CalicoCluster.start(simClusterHost(lab), opts);
  clusters.set(lab, c);
  lab.registerCommand('calicoctl', (node, args) => calicoctl(c, node, args));
  lab.registerAsyncCommand('calicoctl', async (node, args, stdin) =>
    (await calicoctlAsync(c, args, { ...(stdin !== undefined ? { stdin } : {}), readFile: (path) => readFileSync(path, 'utf8') })) ?? calicoctl(c, node, args));
  const bird = (node: string, args: readonly string[]) => (c.agents.has(node) || c.routers.has(node) ? birdc(c, node, args) : undefined);
  lab.registerCommand('birdc', bird);
  lab.registerCommand('birdcl', bird);
  // Kubernetes around Calico: Deployments, Services, kube-proxy (engine/kube), and the tools to look.
  const k = startKube(lab, c);
  kubes.set(lab, k);
  lab.registerCommand('kubectl', (_node, args) => kubectl(k, args, lab.world.clock.nowMs()));
  lab.registerAsyncCommand('kubectl', (_node, args, stdin) => kubectlAsync(k, args, {
    now: () => lab.world.clock.nowMs(),
    ...(stdin !== undefined ? { stdin } : {}),
    readFile: (path) => readFileSync(path, 'utf8'),
    execInPod: async (ns, name, argv) => {
      const p = c.pods.get(`${ns}/${name}`);
      return p ? lab.execAsync(p.podNode, argv) : { stdout: '', stderr: `Error from server (NotFound): pods "${name}" not found\n`, code: 1 };
    },
  }));
  // Pods are nodes of the shell under their own names: `ns/pod`, and bare `pod` for the default namespace.
  lab.registerNodeResolver((name) => {
    if (name.includes('/')) return c.pods.get(name)?.podNode;
    const found = c.pods.get(`default/${name}`) ?? [...c.pods.values()].filter((p) => p.name === name).find((_p, _i, all) => all.length === 1);
    return found?.podNode;
  });
  lab.registerCommand('curl', (node, args) => curlOnKernel(lab.kernel(node), args));
  return c;
}

/** The Kubernetes layer running on a SimLab (with its Calico), if any. */
export function kubeOf(lab: SimLab): KubeCluster | undefined {
  return kubes.get(lab);
}

/** The Calico cluster running on a SimLab, if any. */
export function calicoOf(lab: SimLab): CalicoCluster | undefined {
  return clusters.get(lab);
}
