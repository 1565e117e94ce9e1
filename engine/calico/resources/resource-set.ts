/**
 * All resources of a topology, parsed and checked together: duplicates (same kind and name,
 * which `kubectl apply` would merge into one object silently), overlapping pools (Calico
 * refuses to create the second), two Nodes claiming one address (calico-node refuses to
 * start), and references to nodes or namespaces nobody declared.
 */
import { formatProblem } from '../../model/problems.ts';
import type { CalicoManifest, Location } from '../../model/types.ts';
import { ipPrefixesOverlap, parsePrefix } from '../../net/ip.ts';
import { parseManifest } from './parse.ts';
import { FELIX_DEFAULTS } from './felix.ts';
import { DEFAULT_AS_NUMBER } from './types.ts';
import type {
  BGPConfiguration, BGPPeer, CalicoNode, ClusterInformation, FelixConfiguration, FelixConfigurationSpec, IPAMConfig, IPPool, K8sNamespace,
  K8sPod, Resource, ResourceProblem,
} from './types.ts';

/** The typed resources of one topology, in manifest order per kind. */
export interface ResourceSet {
  readonly ipPools: readonly IPPool[];
  readonly bgpConfigurations: readonly BGPConfiguration[];
  readonly bgpPeers: readonly BGPPeer[];
  readonly nodes: readonly CalicoNode[];
  readonly ipamConfig?: IPAMConfig;
  readonly felixConfigurations: readonly FelixConfiguration[];
  readonly clusterInformation?: ClusterInformation;
  readonly namespaces: readonly K8sNamespace[];
  readonly pods: readonly K8sPod[];
  /** Manifests of kinds typed by other modules (policies, Services…), untouched. */
  readonly other: readonly CalicoManifest[];
}

/** Namespaces every cluster has without a manifest. */
const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function where(loc: Location): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

function problem(r: Resource, severity: 'error' | 'warning', path: string, message: string, hint?: string): ResourceProblem {
  const base = { severity, loc: r.meta.loc, resource: `${r.kind}/${r.meta.name}`, path, message: `${r.kind} '${r.meta.name}': ${path ? `${path}: ` : ''}${message}` };
  return hint === undefined ? base : { ...base, hint };
}

/** Parses every manifest and checks them together; `problems` holds both passes' findings. */
export function buildResourceSet(manifests: readonly CalicoManifest[]): { set: ResourceSet; problems: ResourceProblem[] } {
  const problems: ResourceProblem[] = [];
  const seen = new Map<string, Resource>();
  const all: Resource[] = [];
  const other: CalicoManifest[] = [];
  for (const cm of manifests) {
    const p = parsedOnce(cm);
    problems.push(...p.problems);
    if (p.other) other.push(cm);
    if (!p.resource) continue;
    const r = p.resource;
    const key = `${r.kind}/${r.meta.namespace ?? ''}/${r.meta.name}`;
    const first = seen.get(key);
    if (first) {
      problems.push(problem(r, 'error', 'metadata.name', `duplicate ${r.kind} '${r.meta.name}'${r.meta.namespace ? ` in namespace ${r.meta.namespace}` : ''}`, `first defined at ${where(first.meta.loc)}; rename one or merge them`));
      continue;
    }
    seen.set(key, r);
    all.push(r);
  }
  const of = <K extends Resource['kind']>(k: K) => all.filter((r): r is Extract<Resource, { kind: K }> => r.kind === k);
  const set: ResourceSet = {
    ipPools: of('IPPool'),
    bgpConfigurations: of('BGPConfiguration'),
    bgpPeers: of('BGPPeer'),
    nodes: of('Node'),
    ...(of('IPAMConfig')[0] ? { ipamConfig: of('IPAMConfig')[0] } : {}),
    felixConfigurations: of('FelixConfiguration'),
    ...(of('ClusterInformation')[0] ? { clusterInformation: of('ClusterInformation')[0] } : {}),
    namespaces: of('Namespace'),
    pods: of('Pod'),
    other,
  };
  problems.push(...crossCheck(set));
  return { set, problems };
}

/**
 * Parses per manifest object: the datastore view hands the same (frozen) manifest for an
 * unchanged key, so rebuilding a cluster's set after one Node write re-parses one Node, not
 * all of them. Parsing reads only the manifest itself; results are shared read-only.
 */
const PARSED = new WeakMap<CalicoManifest, ReturnType<typeof parseManifest>>();

function parsedOnce(cm: CalicoManifest): ReturnType<typeof parseManifest> {
  let p = PARSED.get(cm);
  if (!p) PARSED.set(cm, (p = parseManifest(cm)));
  return p;
}

function crossCheck(set: ResourceSet): ResourceProblem[] {
  const out: ResourceProblem[] = [];
  const pools = set.ipPools.map((p) => ({ p, prefix: parsePrefix(p.spec.cidr) }));
  pools.forEach((a, i) => {
    for (const b of pools.slice(0, i)) {
      if (ipPrefixesOverlap(a.prefix, b.prefix)) {
        out.push(problem(a.p, 'error', 'spec.cidr', `${a.p.spec.cidr} overlaps IPPool '${b.p.meta.name}' (${b.p.spec.cidr})`, `pools must not overlap; ${b.p.meta.name} is at ${where(b.p.meta.loc)}`));
      }
    }
  });
  const nodeNames = new Set(set.nodes.map((n) => n.meta.name));
  const byAddr = new Map<string, CalicoNode>();
  for (const n of set.nodes) {
    const a = n.spec.bgp?.ipv4Address?.split('/')[0];
    if (a === undefined) continue;
    const prev = byAddr.get(a);
    if (prev) {
      out.push(problem(n, 'error', 'spec.bgp.ipv4Address', `Calico node '${prev.meta.name}' is already using the IPv4 address ${a}`, `defined at ${where(prev.meta.loc)}`));
    } else byAddr.set(a, n);
  }
  const knownNode = (name: string): boolean => nodeNames.size === 0 || nodeNames.has(name);
  const nodeAddrs = new Set(set.nodes.flatMap((n) => [n.spec.bgp?.ipv4Address, n.spec.bgp?.ipv6Address]).filter((a) => a !== undefined).map((a) => a.split('/')[0]));
  for (const p of set.bgpPeers) {
    if (p.spec.node !== undefined && !knownNode(p.spec.node)) out.push(problem(p, 'warning', 'spec.node', `no Node named '${p.spec.node}'`));
    // Without an AS, confd only makes sense of peerIP when it is a Calico node (global AS).
    if (p.spec.peerAddress !== undefined && p.spec.peerSelector === undefined && p.spec.asNumber === undefined && !nodeAddrs.has(p.spec.peerAddress)) {
      out.push(problem(p, 'error', 'spec.asNumber', `is required: ${p.spec.peerAddress} is not a Calico node's address`, 'the AS number of the remote router'));
    }
  }
  for (const c of set.bgpConfigurations) {
    if (!c.scope.global && !knownNode(c.scope.node)) out.push(problem(c, 'warning', 'metadata.name', `no Node named '${c.scope.node}'`));
  }
  for (const f of set.felixConfigurations) {
    if (!f.scope.global && !knownNode(f.scope.node)) out.push(problem(f, 'warning', 'metadata.name', `no Node named '${f.scope.node}'`));
  }
  const namespaces = new Set([...BUILTIN_NAMESPACES, ...set.namespaces.map((n) => n.meta.name)]);
  for (const pod of set.pods) {
    if (!namespaces.has(pod.meta.namespace)) {
      out.push(problem(pod, 'warning', 'metadata.namespace', `namespace '${pod.meta.namespace}' is not declared`, 'add a v1 Namespace manifest'));
    }
    if (pod.spec.nodeName !== undefined && !knownNode(pod.spec.nodeName)) {
      out.push(problem(pod, 'error', 'spec.nodeName', `no Node named '${pod.spec.nodeName}'`));
    }
  }
  return out;
}

/** The global BGPConfiguration's settings, Calico's defaults when there is none. */
export function globalBgpSettings(set: ResourceSet): { asNumber: number; nodeToNodeMeshEnabled: boolean; logSeverityScreen: string } {
  const g = set.bgpConfigurations.find((c) => c.scope.global);
  return {
    asNumber: g?.spec.asNumber ?? DEFAULT_AS_NUMBER,
    nodeToNodeMeshEnabled: g?.spec.nodeToNodeMeshEnabled ?? true,
    logSeverityScreen: g?.spec.logSeverityScreen ?? 'Info',
  };
}

/** The AS a node speaks: its own `spec.bgp.asNumber`, else the global one. */
export function nodeAsNumber(set: ResourceSet, node: CalicoNode): number {
  return node.spec.bgp?.asNumber ?? globalBgpSettings(set).asNumber;
}

/** Problems as `file:line:col: severity: message — hint` lines. */
export function formatResourceProblems(ps: readonly ResourceProblem[]): string[] {
  return ps.map(formatProblem);
}

/**
 * Felix's settings on one node: Felix's defaults, then FelixConfiguration `default`, then
 * `node.<name>` (the precedence Felix applies to datastore config).
 */
export function effectiveFelixConfig(set: ResourceSet, node: string): Required<Pick<FelixConfigurationSpec, keyof typeof FELIX_DEFAULTS>> & FelixConfigurationSpec {
  const g = set.felixConfigurations.find((f) => f.scope.global)?.spec ?? {};
  const n = set.felixConfigurations.find((f) => !f.scope.global && f.scope.node === node)?.spec ?? {};
  return { ...FELIX_DEFAULTS, ...g, ...n };
}
