/**
 * `kubectl get` over a KubeCluster: nodes, pods, services, endpoints, endpointslices,
 * deployments, replicasets, daemonsets, namespaces and networkpolicies, with `-o wide|yaml|
 * json|name`, `-n NS`, `-A`, `-l SELECTOR`, names, the columns and messages kubectl 1.28
 * prints. Pure over the cluster's state and the current time.
 */
import type { KubeCluster, Workload } from './cluster.ts';
import type { KubectlArgs, KubectlResult } from './kubectl-flags.ts';
import { fail, ok } from './kubectl-flags.ts';
import { NODE_FACTS } from './node-facts.ts';
import { deploymentReplicaSet, endpointsObject, namespaceObject, nodeObject, podObject, serviceObject, sliceObject, toJson, toYaml, workloadObject } from './objects.ts';
import { SelectorError, formatMatchLabels, matchesSelector, parseSelector } from './selector.ts';
import type { LabelSelector } from './selector.ts';
import { humanDuration, tabwrite } from './table.ts';
import type { EndpointSlice } from './types.ts';

/** Resource words kubectl accepts → the plural podlab lists. */
export const RESOURCES: Record<string, string> = {
  no: 'nodes', node: 'nodes', nodes: 'nodes',
  po: 'pods', pod: 'pods', pods: 'pods',
  svc: 'services', service: 'services', services: 'services',
  ep: 'endpoints', endpoints: 'endpoints',
  endpointslice: 'endpointslices', endpointslices: 'endpointslices',
  deploy: 'deployments', deployment: 'deployments', deployments: 'deployments',
  rs: 'replicasets', replicaset: 'replicasets', replicasets: 'replicasets',
  ds: 'daemonsets', daemonset: 'daemonsets', daemonsets: 'daemonsets',
  ns: 'namespaces', namespace: 'namespaces', namespaces: 'namespaces',
  netpol: 'networkpolicies', networkpolicy: 'networkpolicies', networkpolicies: 'networkpolicies',
};

/** The `group` suffix kubectl puts on a resource's name in messages (`deployments.apps`). */
export const QUALIFIED: Record<string, string> = {
  deployments: 'deployments.apps', replicasets: 'replicasets.apps', daemonsets: 'daemonsets.apps',
  networkpolicies: 'networkpolicies.networking.k8s.io', endpointslices: 'endpointslices.discovery.k8s.io',
};

/** `-o name`'s prefix per resource. */
const NAME_PREFIX: Record<string, string> = {
  nodes: 'node', pods: 'pod', services: 'service', endpoints: 'endpoints', endpointslices: 'endpointslice.discovery.k8s.io',
  deployments: 'deployment.apps', replicasets: 'replicaset.apps', daemonsets: 'daemonset.apps', namespaces: 'namespace',
  networkpolicies: 'networkpolicy.networking.k8s.io',
};

const CLUSTER_SCOPED = new Set(['nodes', 'namespaces']);

/** The namespaces every kubeadm cluster has. */
export const BUILTIN_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** One row of a listing: where it lives, its name, labels, table cells and API object. */
interface Item { namespace: string; name: string; labels: Readonly<Record<string, string>>; cells: () => string[]; object: () => Record<string, unknown> }

const byKey = (a: Item, b: Item): number => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : a.namespace + '/' + a.name > b.namespace + '/' + b.name ? 1 : 0);

/** kubectl's "a,b,c + N more..." for lists over three. */
function firstThree(items: readonly string[], none: string): string {
  if (items.length === 0) return none;
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}

function ipNum(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** The namespaces that exist (kubeadm's four, those the host knows, and every one holding an object). */
export function namespacesOf(k: KubeCluster): Map<string, Readonly<Record<string, string>>> {
  const out = new Map<string, Readonly<Record<string, string>>>(BUILTIN_NAMESPACES.map((n) => [n, {}]));
  for (const n of k.host.namespaces?.() ?? []) out.set(n.name, n.labels);
  for (const p of k.pods()) if (!out.has(p.namespace)) out.set(p.namespace, {});
  return out;
}

/** Pods a workload selects (its own). */
export function podsOf(k: KubeCluster, w: Workload): number {
  return k.pods().filter((p) => p.namespace === w.namespace && Object.entries(w.selector).every(([kk, v]) => p.labels[kk] === v)).length;
}

/** The rows of one resource (without namespace filtering). */
function items(k: KubeCluster, resource: string, wide: boolean, now: number): { header: string[]; items: Item[] } {
  const age = (t: number): string => humanDuration(now - t);
  const nodes = k.nodes();
  switch (resource) {
    case 'nodes':
      return {
        header: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : [])],
        items: nodes.map((n) => ({
          namespace: '', name: n.name, labels: n.labels, object: () => nodeObject(n),
          cells: () => {
            const roles = Object.keys(n.labels).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.slice(24)).sort().join(',') || '<none>';
            return [n.name, 'Ready', roles, age(n.created), NODE_FACTS.version, ...(wide ? [n.internalIP, '<none>', NODE_FACTS.osImage, NODE_FACTS.kernel, NODE_FACTS.runtime] : [])];
          },
        })),
      };
    case 'pods':
      return {
        header: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : [])],
        items: k.pods().map((p) => ({
          namespace: p.namespace, name: p.name, labels: p.labels, object: () => podObject(p, nodes),
          cells: () => [p.name, '1/1', 'Running', '0', age(p.created), ...(wide ? [p.ip, p.node, '<none>', '<none>'] : [])],
        })),
      };
    case 'services':
      return {
        header: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(wide ? ['SELECTOR'] : [])],
        items: [...k.services.values()].map((s) => ({
          namespace: s.namespace, name: s.name, labels: s.labels, object: () => serviceObject(s),
          cells: () => {
            const ports = s.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',');
            const ext = [...(s.type === 'LoadBalancer' ? [s.loadBalancerIP ?? '<pending>'] : []), ...(s.externalIPs ?? [])];
            return [s.name, s.type, s.clusterIP, ext.length ? ext.join(',') : '<none>', ports, age(s.created), ...(wide ? [formatMatchLabels(s.selector)] : [])];
          },
        })),
      };
    case 'endpoints':
      return {
        header: ['NAME', 'ENDPOINTS', 'AGE'],
        items: [...k.services.values()].filter((x) => x.selector || x.name === 'kubernetes').map((s) => {
          const slices = k.slices.get(`${s.namespace}/${s.name}`) ?? [];
          return {
            namespace: s.namespace, name: s.name, labels: s.labels, object: () => endpointsObject(s, slices),
            cells: () => {
              const eps = slices.flatMap((sl) => sl.endpoints.flatMap((e) => sl.ports.map((p) => ({ ip: e.ip, port: p.port }))))
                .sort((a, b) => ipNum(a.ip) - ipNum(b.ip) || a.port - b.port).map((e) => `${e.ip}:${e.port}`);
              return [s.name, firstThree(eps, '<none>'), age(s.created)];
            },
          };
        }),
      };
    case 'endpointslices': {
      const all: [EndpointSlice, number][] = [];
      for (const [key, list] of k.slices) for (const sl of list) all.push([sl, k.services.get(key)?.created ?? 0]);
      return {
        header: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
        items: all.map(([sl, created]) => ({
          namespace: sl.namespace, name: sl.name, labels: { 'kubernetes.io/service-name': sl.service }, object: () => sliceObject(sl, created),
          cells: () => [sl.name, 'IPv4', firstThree(sl.ports.map((p) => String(p.port)), '<unset>'), firstThree(sl.endpoints.map((e) => e.ip), '<unset>'), age(created)],
        })),
      };
    }
    case 'deployments': case 'replicasets': case 'daemonsets': {
      const kind = resource === 'deployments' ? 'Deployment' : resource === 'replicasets' ? 'ReplicaSet' : 'DaemonSet';
      const list: Workload[] = [...k.workloads.values()].filter((w) => w.kind === kind);
      // A Deployment's pods belong to its ReplicaSet, which `get rs` lists too.
      if (kind === 'ReplicaSet') for (const w of k.workloads.values()) if (w.kind === 'Deployment') list.push(deploymentReplicaSet(w));
      const tail = (w: Workload): string[] => wide ? [String(((w.rawTemplate as { spec?: { containers?: { name?: string }[] } }).spec?.containers ?? []).map((c) => c.name).join(',')), w.template.image, formatMatchLabels(w.kind === 'ReplicaSet' && k.workloads.has(`Deployment/${w.namespace}/${w.name.replace(/-[^-]+$/, '')}`) ? { ...w.selector, 'pod-template-hash': w.name.slice(w.name.lastIndexOf('-') + 1) } : w.selector)] : [];
      const header = kind === 'Deployment' ? ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']
        : kind === 'ReplicaSet' ? ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']
          : ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'];
      return {
        header: [...header, ...(wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])],
        items: list.map((w) => {
          const have = podsOf(k, w);
          const desired = kind === 'DaemonSet' ? dsDesired(k, w) : w.replicas;
          return {
            namespace: w.namespace, name: w.name, labels: w.labels, object: () => workloadObject(w, have, desired),
            cells: () => kind === 'Deployment' ? [w.name, `${have}/${w.replicas}`, String(have), String(have), age(w.created), ...tail(w)]
              : kind === 'ReplicaSet' ? [w.name, String(w.replicas), String(have), String(have), age(w.created), ...tail(w)]
                : [w.name, String(desired), String(have), String(have), String(have), String(have), formatMatchLabels(w.template.nodeSelector), age(w.created), ...tail(w)],
          };
        }),
      };
    }
    case 'namespaces':
      return {
        header: ['NAME', 'STATUS', 'AGE'],
        items: [...namespacesOf(k)].map(([name, labels]) => ({ namespace: '', name, labels: { ...labels, 'kubernetes.io/metadata.name': name }, object: () => namespaceObject(name, labels), cells: () => [name, 'Active', age(0)] })),
      };
    case 'networkpolicies':
      return {
        header: ['NAME', 'POD-SELECTOR', 'AGE'],
        items: (k.host.networkPolicies?.() ?? []).map((m) => {
          const md = (m.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
          const sel = ((m.spec ?? {}) as { podSelector?: { matchLabels?: Record<string, string> } }).podSelector?.matchLabels;
          return { namespace: md.namespace ?? 'default', name: md.name ?? '', labels: md.labels ?? {}, object: () => m, cells: () => [md.name ?? '', formatMatchLabels(sel), age(0)] };
        }),
      };
  }
  return { header: [], items: [] };
}

/** The nodes a DaemonSet wants a pod on. */
function dsDesired(k: KubeCluster, w: Workload): number {
  return k.nodes().filter((n) => Object.entries(w.template.nodeSelector).every(([kk, v]) => n.labels[kk] === v)
    && !('node-role.kubernetes.io/control-plane' in n.labels && !w.template.tolerations.some((t) => t.operator === 'Exists' && (t.key === undefined || t.key === 'node-role.kubernetes.io/control-plane')))).length;
}

/** `kubectl get RESOURCE[,RESOURCE] [NAME...]` with the parsed flags. */
export function get(k: KubeCluster, a: KubectlArgs, now: number): KubectlResult {
  const [what, ...names] = a.words;
  if (what === undefined) return fail("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples");
  // `kubectl get pod/nginx` and `kubectl get pods nginx` are the same.
  let resourceWord = what;
  let wanted = names;
  if (what.includes('/')) {
    resourceWord = what.slice(0, what.indexOf('/'));
    wanted = [what.slice(what.indexOf('/') + 1), ...names];
  }
  const resource = RESOURCES[resourceWord.toLowerCase()];
  if (!resource) return fail(`error: the server doesn't have a resource type "${resourceWord}"`);
  const output = a.flags.get('output');
  if (output !== undefined && !['wide', 'yaml', 'json', 'name'].includes(output)) return fail(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml (podlab's kubectl)`);
  let selector: LabelSelector | undefined;
  try {
    const l = a.flags.get('selector');
    if (l !== undefined) selector = parseSelector(l);
  } catch (e) {
    if (e instanceof SelectorError) return fail(e.message);
    throw e;
  }
  const namespace = a.flags.get('namespace') ?? 'default';
  const allNs = a.flags.has('all-namespaces') && !CLUSTER_SCOPED.has(resource);
  const { header, items: list } = items(k, resource, output === 'wide', now);
  const inScope = list.filter((i) => CLUSTER_SCOPED.has(resource) || allNs || i.namespace === namespace)
    .filter((i) => !selector || matchesSelector(selector, i.labels)).sort(byKey);
  const chosen: Item[] = [];
  const errors: string[] = [];
  if (wanted.length) {
    for (const n of wanted) {
      const it = inScope.find((i) => i.name === n);
      if (it) chosen.push(it);
      else errors.push(`Error from server (NotFound): ${QUALIFIED[resource] ?? resource} "${n}" not found`);
    }
  } else chosen.push(...inScope);
  const errText = errors.map((e) => `${e}\n`).join('');
  const code = errors.length ? 1 : 0;
  if (chosen.length === 0) {
    if (errors.length) return { stdout: '', stderr: errText, code };
    if (output === 'json' || output === 'yaml') return { stdout: output === 'json' ? toJson([], false) : toYaml([], false), stderr: '', code: 0 };
    return ok('', allNs || CLUSTER_SCOPED.has(resource) ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
  }
  const single = wanted.length === 1;
  if (output === 'json') return { stdout: toJson(chosen.map((i) => i.object()), single), stderr: errText, code };
  if (output === 'yaml') return { stdout: toYaml(chosen.map((i) => i.object()), single), stderr: errText, code };
  if (output === 'name') return { stdout: chosen.map((i) => `${NAME_PREFIX[resource]}/${i.name}\n`).join(''), stderr: errText, code };
  const showLabels = a.flags.has('show-labels');
  const rows = [[...(allNs ? ['NAMESPACE'] : []), ...header, ...(showLabels ? ['LABELS'] : [])]];
  for (const i of chosen) rows.push([...(allNs ? [i.namespace] : []), ...i.cells(), ...(showLabels ? [formatMatchLabels(i.labels)] : [])]);
  if (a.flags.has('no-headers')) rows.shift();
  return { stdout: tabwrite(rows), stderr: errText, code };
}
