/**
 * `kubectl get` over a KubeCluster: nodes, pods, services, endpoints, endpointslices and
 * deployments, with `-o wide`, `-n NS`, `-A`, an optional name, the columns and the messages
 * kubectl 1.28 prints. Pure over the cluster's state and the current time.
 */
import type { KubeCluster } from './cluster.ts';
import { humanDuration, tabwrite } from './table.ts';
import type { EndpointSlice } from './types.ts';

/** A command's outcome. */
export interface KubectlResult { readonly stdout: string; readonly stderr: string; readonly code: number }

const RESOURCES: Record<string, string> = {
  no: 'nodes', node: 'nodes', nodes: 'nodes',
  po: 'pods', pod: 'pods', pods: 'pods',
  svc: 'services', service: 'services', services: 'services',
  ep: 'endpoints', endpoints: 'endpoints',
  endpointslice: 'endpointslices', endpointslices: 'endpointslices',
  deploy: 'deployments', deployment: 'deployments', deployments: 'deployments',
};

/** Versions and host facts kubectl shows for the simulated nodes. */
export const NODE_FACTS = { version: 'v1.28.2', osImage: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-podlab', runtime: 'containerd://1.6.20' } as const;

const err = (stderr: string, code = 1): KubectlResult => ({ stdout: '', stderr: `${stderr}\n`, code });
const labelsText = (l: Readonly<Record<string, string>> | undefined): string =>
  l && Object.keys(l).length ? Object.keys(l).sort().map((k) => `${k}=${l[k]}`).join(',') : '<none>';

/** kubectl's "a,b,c + N more..." for lists over three. */
function firstThree(items: readonly string[], none: string): string {
  if (items.length === 0) return none;
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}

interface GetArgs { resource: string; name?: string; wide: boolean; namespace: string; all: boolean }

function parseGet(args: readonly string[]): GetArgs | KubectlResult {
  let wide = false;
  let namespace = 'default';
  let all = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      const v = args[++i];
      if (v !== 'wide') return err(`error: podlab's kubectl prints -o wide (not ${v ?? 'nothing'})`);
      wide = true;
    } else if (a === '-owide' || a === '--output=wide' || a === '-o=wide') wide = true;
    else if (a === '-n' || a === '--namespace') namespace = args[++i] ?? 'default';
    else if (a.startsWith('--namespace=')) namespace = a.slice(12);
    else if (a === '-A' || a === '--all-namespaces') all = true;
    else if (a.startsWith('-')) return err(`error: unknown shorthand flag: '${a.replace(/^-+/, '')}' in ${a}\nSee 'kubectl get --help' for usage.`);
    else rest.push(a);
  }
  if (rest.length === 0) return err("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples");
  const resource = RESOURCES[rest[0]!.toLowerCase()];
  if (!resource) return err(`error: the server doesn't have a resource type "${rest[0]}"`);
  return { resource, ...(rest[1] !== undefined ? { name: rest[1] } : {}), wide, namespace, all };
}

/** `kubectl ARGS` against the cluster at virtual time `now`. */
export function kubectl(k: KubeCluster, args: readonly string[], now: number): KubectlResult {
  const [verb, ...rest] = args;
  if (verb === 'get') {
    const g = parseGet(rest);
    return 'code' in g ? g : get(k, g, now);
  }
  if (verb === 'version') return { stdout: `Client Version: ${NODE_FACTS.version}\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\nServer Version: ${NODE_FACTS.version}\n`, stderr: '', code: 0 };
  if (verb === undefined) return err('kubectl controls the Kubernetes cluster manager.\n\npodlab\'s kubectl: get nodes|pods|svc|endpoints|endpointslices|deployments [NAME] [-o wide] [-n NS|-A]');
  return err(`error: podlab's kubectl does not run "${verb}" yet (it answers: get, version)`);
}

function get(k: KubeCluster, g: GetArgs, now: number): KubectlResult {
  const age = (t: number): string => humanDuration(now - t);
  const inNs = (ns: string): boolean => g.all || ns === g.namespace;
  const named = (n: string): boolean => g.name === undefined || n === g.name;
  const nsCol = (ns: string): string[] => (g.all ? [ns] : []);
  const head = (cols: string[]): string[] => (g.all && g.resource !== 'nodes' ? ['NAMESPACE', ...cols] : cols);
  let rows: string[][] = [];
  let singular = g.resource;
  switch (g.resource) {
    case 'nodes': {
      rows.push(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(g.wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : [])]);
      for (const n of [...k.nodes()].sort((a, b) => (a.name < b.name ? -1 : 1)).filter((x) => named(x.name))) {
        const roles = Object.keys(n.labels).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice(24)).sort().join(',') || '<none>';
        rows.push([n.name, 'Ready', roles, age(n.created), NODE_FACTS.version, ...(g.wide ? [n.internalIP, '<none>', NODE_FACTS.osImage, NODE_FACTS.kernel, NODE_FACTS.runtime] : [])]);
      }
      singular = 'nodes';
      break;
    }
    case 'pods': {
      rows.push(head(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(g.wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : [])]));
      const pods = k.pods().filter((p) => inNs(p.namespace) && named(p.name))
        .sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
      for (const p of pods) rows.push([...nsCol(p.namespace), p.name, '1/1', 'Running', '0', age(p.created), ...(g.wide ? [p.ip, p.node, '<none>', '<none>'] : [])]);
      break;
    }
    case 'services': {
      rows.push(head(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(g.wide ? ['SELECTOR'] : [])]));
      const svcs = [...k.services.values()].filter((s) => inNs(s.namespace) && named(s.name)).sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1));
      for (const s of svcs) {
        const ports = s.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',');
        rows.push([...nsCol(s.namespace), s.name, s.type, s.clusterIP, '<none>', ports, age(s.created), ...(g.wide ? [labelsText(s.selector)] : [])]);
      }
      break;
    }
    case 'endpoints': {
      rows.push(head(['NAME', 'ENDPOINTS', 'AGE']));
      for (const s of [...k.services.values()].filter((x) => inNs(x.namespace) && named(x.name) && (x.selector || x.name === 'kubernetes')).sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1))) {
        const slices = k.slices.get(`${s.namespace}/${s.name}`) ?? [];
        const eps = slices.flatMap((sl) => sl.endpoints.flatMap((e) => sl.ports.map((p) => ({ ip: e.ip, port: p.port }))))
          .sort((a, b) => ipNum(a.ip) - ipNum(b.ip) || a.port - b.port).map((e) => `${e.ip}:${e.port}`);
        rows.push([...nsCol(s.namespace), s.name, firstThree(eps, '<none>'), age(s.created)]);
      }
      break;
    }
    case 'endpointslices': {
      rows.push(head(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']));
      const all: [EndpointSlice, number][] = [];
      for (const [key, list] of k.slices) for (const sl of list) all.push([sl, k.services.get(key)?.created ?? 0]);
      for (const [sl, created] of all.filter(([x]) => inNs(x.namespace) && named(x.name)).sort(([a], [b]) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1))) {
        rows.push([...nsCol(sl.namespace), sl.name, 'IPv4', firstThree(sl.ports.map((p) => String(p.port)), '<unset>'), firstThree(sl.endpoints.map((e) => e.ip), '<unset>'), age(created)]);
      }
      break;
    }
    case 'deployments': {
      rows.push(head(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', ...(g.wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])]));
      const pods = k.pods();
      for (const d of [...k.deployments.values()].filter((x) => inNs(x.namespace) && named(x.name)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const have = pods.filter((p) => p.namespace === d.namespace && Object.entries(d.selector).every(([kk, v]) => p.labels[kk] === v)).length;
        const image = d.template.image;
        rows.push([...nsCol(d.namespace), d.name, `${have}/${d.replicas}`, String(have), String(have), age(d.created),
          ...(g.wide ? [String(((d.rawTemplate as { spec?: { containers?: { name?: string }[] } }).spec?.containers ?? []).map((c) => c.name).join(',')), image, labelsText(d.selector)] : [])]);
      }
      singular = 'deployments.apps';
      break;
    }
  }
  if (rows.length === 1) {
    if (g.name !== undefined) return err(`Error from server (NotFound): ${singular} "${g.name}" not found`);
    return { stdout: '', stderr: g.all || g.resource === 'nodes' ? 'No resources found\n' : `No resources found in ${g.namespace} namespace.\n`, code: 0 };
  }
  return { stdout: tabwrite(rows), stderr: '', code: 0 };
}

function ipNum(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
