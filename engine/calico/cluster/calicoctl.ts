/**
 * calicoctl's verbs that read the datastore or change it: `apply|create|replace|delete -f
 * FILE|-`, `delete KIND NAME`, `get KIND [NAME] [-o yaml|json|wide] [-n NS|-A]` for every kind
 * it knows, `patch KIND NAME -p JSON`, `label KIND NAME k=v [--overwrite] | k --remove`,
 * `ipam check`, `ipam release --ip=IP`. Words and exit codes are calicoctl v3.30's
 * (commands/resourcemgr, commands/common); policies and tiers go to the cluster's policy
 * lists (what Felix reads), everything else through the datastore.
 */
import { parseAllDocuments, stringify } from 'yaml';
import { RESOURCE_PLURALS, parseResourceKey, resourceKey, resourcePrefix } from '../datastore/index.ts';
import { calicoctlGetIPPools, calicoctlGetNodes } from '../resources/index.ts';
import { tabwriterTable } from '../resources/views.ts';
import type { Datastore } from '../datastore/index.ts';
import type { IpamClient } from '../ipam/index.ts';
import type { ResourceSet } from '../resources/index.ts';
import type { CalicoCluster } from './cluster.ts';
import type { CommandResult } from './commands.ts';
import { appliedPolicies, applyPolicy, deletePolicy, isPolicyManifest } from './policy-store.ts';

type Obj = Record<string, unknown>;

const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });
const fail = (stderr: string): CommandResult => ({ stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n`, code: 1 });

/** What the write verbs read besides the cluster. */
export interface CalicoctlIO {
  readonly stdin?: string;
  readFile(path: string): string;
}

/**
 * What calicoctl writes to: the datastore and IPAM, the cluster's writes (which wait for every
 * calico-node to catch up), and the policy store. The simulator's CalicoCluster and the real
 * runtimes' cluster (etcd + agents) both provide it, so both shells run this one calicoctl.
 */
export interface CalicoctlTarget {
  readonly ds: Datastore;
  readonly ipam: Pick<IpamClient, 'store' | 'releaseIPs'>;
  /** The resource set as calico-node reads it (the `get nodes|ippools` tables), when at hand. */
  readonly view?: { readonly set: ResourceSet } | undefined;
  apply(m: Obj): Promise<void>;
  delete(kind: string, name: string): Promise<void>;
  patch(kind: string, name: string, patch: Obj): Promise<unknown>;
  /** Waits until every calico-node processed the last write. */
  settle(): Promise<void>;
  /** Policies and tiers as applied (calico and k8s APIs), in key order. */
  appliedPolicies(): Obj[];
  applyPolicy(m: Obj): Promise<{ existed: boolean }>;
  /** Deletes a policy or tier (`KubernetesNetworkPolicy` for k8s ones); false when there was none. */
  deletePolicy(kind: string, name: string, namespace?: string): Promise<boolean>;
}

/** The CalicoctlTarget of a simulated cluster (its policy lists are the policy store's). */
export function calicoctlTargetOf(c: CalicoCluster): CalicoctlTarget {
  return {
    ds: c.ds, ipam: c.ipam, get view() { return c.view; },
    apply: (m) => c.apply(m), delete: (k, n) => c.delete(k, n), patch: (k, n, p) => c.patch(k, n, p), settle: () => c.settle(),
    appliedPolicies: () => appliedPolicies(c), applyPolicy: (m) => applyPolicy(c, m), deletePolicy: (k, n, ns) => deletePolicy(c, k, n, ns),
  };
}

/** calicoctl's resource words (singular, plural, short; case-insensitive) → kind. */
const KIND_WORDS: Record<string, string> = {};
const SHORT: Record<string, string[]> = {
  IPPool: ['ippool', 'ippools', 'ipp', 'ipps', 'pool', 'pools'], BGPPeer: ['bgppeer', 'bgppeers', 'bgpp', 'bgpps', 'bp', 'bps'],
  BGPConfiguration: ['bgpconfiguration', 'bgpconfigurations', 'bgpconfig', 'bgpconfigs'], FelixConfiguration: ['felixconfiguration', 'felixconfigurations', 'felixconfig', 'felixconfigs'],
  Node: ['node', 'nodes', 'no', 'nos'], WorkloadEndpoint: ['workloadendpoint', 'workloadendpoints', 'wep', 'weps'], HostEndpoint: ['hostendpoint', 'hostendpoints', 'hep', 'heps'],
  GlobalNetworkPolicy: ['globalnetworkpolicy', 'globalnetworkpolicies', 'gnp', 'gnps'], NetworkPolicy: ['networkpolicy', 'networkpolicies', 'policy', 'policies', 'pol', 'pols', 'np', 'nps'],
  Tier: ['tier', 'tiers'], Profile: ['profile', 'profiles', 'pro', 'pros'], GlobalNetworkSet: ['globalnetworkset', 'globalnetworksets'], NetworkSet: ['networkset', 'networksets', 'netsets'],
  IPReservation: ['ipreservation', 'ipreservations'], KubeControllersConfiguration: ['kubecontrollersconfiguration', 'kubecontrollersconfigurations'],
  ClusterInformation: ['clusterinformation', 'clusterinformations', 'clusterinfo'], BGPFilter: ['bgpfilter', 'bgpfilters'],
};
for (const [kind, words] of Object.entries(SHORT)) for (const w of words) KIND_WORDS[w] = kind;

const POLICY_KINDS = new Set(['NetworkPolicy', 'GlobalNetworkPolicy', 'Tier']);
const NAMESPACED = new Set(['NetworkPolicy', 'NetworkSet', 'WorkloadEndpoint']);

/** Flags of the resource verbs. */
interface Flags { words: string[]; files: string[]; output?: string; namespace?: string; all: boolean; patch?: string; overwrite: boolean; remove: boolean; ip?: string }

function parseFlags(args: readonly string[]): Flags | CommandResult {
  const f: Flags = { words: [], files: [], all: false, overwrite: false, remove: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (name) {
      case '-f': case '--filename': { const v = value(); if (v === undefined) return fail('Invalid option: -f requires a FILENAME'); f.files.push(v); break; }
      case '-o': case '--output': f.output = value(); break;
      case '-n': case '--namespace': f.namespace = value(); break;
      case '-A': case '--all-namespaces': f.all = true; break;
      case '-p': case '--patch': f.patch = value(); break;
      case '--overwrite': f.overwrite = true; break;
      case '--remove': f.remove = true; break;
      case '--ip': f.ip = value(); break;
      case '--config': case '-c': value(); break;
      default:
        if (a.startsWith('-o') && a.length > 2) f.output = a.slice(2);
        else if (a.startsWith('-')) return fail(`Invalid option: '${a}'.\n\nUsage: see 'calicoctl --help'`);
        else f.words.push(a);
    }
  }
  return f;
}

/** `calicoctl ARGS` for the verbs handled here; undefined for the others (node status, ipam show, get nodes/ippools as tables). */
export async function calicoctlAsync(c: CalicoCluster, args: readonly string[], io: CalicoctlIO): Promise<CommandResult | undefined> {
  return calicoctlOn(calicoctlTargetOf(c), args, io);
}

/** `calicoctl ARGS` on any CalicoctlTarget (the real runtimes' cluster too); undefined for the verbs handled elsewhere. */
export async function calicoctlOn(c: CalicoctlTarget, args: readonly string[], io: CalicoctlIO): Promise<CommandResult | undefined> {
  const [verb, ...rest] = args;
  if (verb === 'ipam' && rest[0] === 'check') return ipamCheck(c);
  if (verb === 'ipam' && rest[0] === 'release') {
    const f = parseFlags(rest.slice(1));
    if ('code' in f) return f;
    return ipamRelease(c, f.ip);
  }
  if (!['apply', 'create', 'replace', 'delete', 'get', 'patch', 'label'].includes(verb ?? '')) return undefined;
  const f = parseFlags(rest);
  if ('code' in f) return f;
  switch (verb) {
    case 'get': return get(c, f);
    case 'patch': return patch(c, f);
    case 'label': return label(c, f);
    case 'delete': if (!f.files.length) return deleteNamed(c, f);
  }
  return write(c, verb as 'apply' | 'create' | 'replace' | 'delete', f, io);
}

const PAST: Record<string, string> = { apply: 'applied', create: 'created', replace: 'replaced', delete: 'deleted' };

function documents(f: Flags, io: CalicoctlIO): Obj[] | CommandResult {
  if (f.files.length === 0) return fail('Invalid option: a FILENAME is required (-f FILE, or -f - with a here-document)');
  const out: Obj[] = [];
  for (const file of f.files) {
    let text: string;
    if (file === '-') {
      if (io.stdin === undefined) return fail('Failed to execute command: no resources specified in stdin (feed it a here-document: calicoctl apply -f - <<EOF … EOF)');
      text = io.stdin;
    } else {
      try { text = io.readFile(file); } catch { return fail(`Failed to execute command: open ${file}: no such file or directory`); }
    }
    for (const d of parseAllDocuments(text)) {
      if ('errors' in d && d.errors.length) return fail(`Failed to execute command: error parsing resources: ${d.errors[0]!.message.split('\n')[0]}`);
      const v = d.toJS() as unknown;
      if (v === null || v === undefined) continue;
      const o = v as Obj;
      if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) out.push(...(o.items as Obj[]));
      else out.push(o);
    }
  }
  if (out.length === 0) return fail('Failed to execute command: no resources specified in file');
  return out;
}

async function exists(c: CalicoctlTarget, kind: string, name: string, ns: string): Promise<boolean> {
  if (POLICY_KINDS.has(kind)) return c.appliedPolicies().some((m) => m.kind === kind && !String(m.apiVersion).startsWith('networking.k8s.io/') && meta(m).name === name && (!NAMESPACED.has(kind) || (meta(m).namespace ?? 'default') === ns));
  return (await c.ds.get(resourceKey(kind, name, NAMESPACED.has(kind) ? ns : undefined))) !== undefined;
}

const meta = (m: Obj): { name?: string; namespace?: string; labels?: Record<string, string> } => (m.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
const ident = (kind: string, name: string, ns?: string): string => `${kind}(${ns && NAMESPACED.has(kind) ? `${ns}/` : ''}${name})`;

/** apply/create/replace/delete of every document; stops at the first failure as calicoctl does. */
async function write(c: CalicoctlTarget, verb: 'apply' | 'create' | 'replace' | 'delete', f: Flags, io: CalicoctlIO): Promise<CommandResult> {
  const docs = documents(f, io);
  if ('code' in docs) return docs;
  const kinds = new Set(docs.map((d) => String(d.kind)));
  const what = kinds.size === 1 ? ` '${[...kinds][0]}'` : '';
  let done = 0;
  for (const m of docs) {
    const kind = String(m.kind ?? '');
    const name = meta(m).name ?? '';
    const ns = meta(m).namespace ?? f.namespace ?? 'default';
    let err: string | undefined;
    if (m.apiVersion !== 'projectcalico.org/v3') err = `error with field apiVersion = '${String(m.apiVersion)}' (podlab's calicoctl takes projectcalico.org/v3 resources; use kubectl for ${String(m.apiVersion)} ${kind})`;
    else if (!RESOURCE_PLURALS[kind] && !POLICY_KINDS.has(kind)) err = `resource type '${kind}' is not supported`;
    else if (!name) err = 'error with field Metadata.Name = \'\' (name is required)';
    if (!err) {
      const there = await exists(c, kind, name, ns);
      if (verb === 'create' && there) err = `resource already exists: ${ident(kind, name, ns)}`;
      else if ((verb === 'replace' || verb === 'delete') && !there) err = `resource does not exist: ${ident(kind, name, ns)} with error: <nil>`;
    }
    if (!err) {
      try {
        if (verb === 'delete') {
          if (POLICY_KINDS.has(kind)) await c.deletePolicy(kind, name, ns);
          else await c.delete(kind, name);
        } else if (POLICY_KINDS.has(kind) || isPolicyManifest(m)) await c.applyPolicy(NAMESPACED.has(kind) ? { ...m, metadata: { ...meta(m), namespace: ns } } : m);
        else await c.apply(m);
      } catch (e) {
        err = (e as Error).message.replace(/\n/g, '; ');
      }
    }
    if (err) {
      if (done === 0) return fail(`Failed to ${verb}${what} resource: ${err}`);
      return { stdout: '', stderr: `Partial success: ${PAST[verb]} the first ${done} out of ${docs.length}${what} resources:\nHit error: ${err}\n`, code: 1 };
    }
    done++;
  }
  return ok(`Successfully ${PAST[verb]} ${done}${what} resource(s)\n`);
}

async function deleteNamed(c: CalicoctlTarget, f: Flags): Promise<CommandResult> {
  const [word, name] = f.words;
  const kind = KIND_WORDS[(word ?? '').toLowerCase()];
  if (!kind) return fail(`Failed to delete any resources: resource type '${word ?? ''}' is not supported`);
  if (!name) return fail(`Failed to delete any '${kind}' resources: a resource name is required`);
  const ns = f.namespace ?? 'default';
  if (!(await exists(c, kind, name, ns))) return fail(`Failed to delete '${kind}' resource: resource does not exist: ${ident(kind, name, ns)} with error: <nil>`);
  if (POLICY_KINDS.has(kind)) await c.deletePolicy(kind, name, ns);
  else await c.delete(kind, name);
  return ok(`Successfully deleted 1 '${kind}' resource(s)\n`);
}

/** Every stored resource of a kind (policies from the policy lists), in name order. */
async function listKind(c: CalicoctlTarget, kind: string, ns: string | undefined): Promise<Obj[]> {
  if (POLICY_KINDS.has(kind)) {
    return c.appliedPolicies().filter((m) => m.kind === kind && String(m.apiVersion).startsWith('projectcalico.org/') && (ns === undefined || !NAMESPACED.has(kind) || meta(m).namespace === ns));
  }
  const r = await c.ds.list(resourcePrefix(kind, NAMESPACED.has(kind) ? ns : undefined));
  return r.kvs.filter((kv) => parseResourceKey(kv.key)).map((kv) => kv.value as Obj);
}

async function get(c: CalicoctlTarget, f: Flags): Promise<CommandResult> {
  const [word, name] = f.words;
  const kind = KIND_WORDS[(word ?? '').toLowerCase()];
  if (!kind) return fail(`Failed to get resources: resource type '${word ?? ''}' is not supported`);
  const output = f.output ?? 'ps';
  if (!['ps', 'wide', 'yaml', 'json'].includes(output)) return fail(`Unrecognized output type '${output}' (calicoctl prints ps, wide, yaml, json here)`);
  const ns = f.all ? undefined : (f.namespace ?? 'default');
  // The two tables calicoctl users read most are byte-exact views of the cluster's resource set.
  if (!name && (output === 'ps' || output === 'wide') && c.view && (kind === 'Node' || kind === 'IPPool')) {
    return ok(kind === 'Node' ? calicoctlGetNodes(c.view.set, { wide: output === 'wide' }) : calicoctlGetIPPools(c.view.set, { wide: output === 'wide' }));
  }
  let items = await listKind(c, kind, ns);
  if (name) {
    items = items.filter((m) => meta(m).name === name);
    if (!items.length) return fail(`Failed to get resources: resource does not exist: ${ident(kind, name, ns)} with error: <nil>`);
  }
  if (output === 'yaml' || output === 'json') {
    const doc = name && items.length === 1 ? items[0] : { apiVersion: 'projectcalico.org/v3', items, kind: `${kind}List`, metadata: { resourceVersion: String(await c.ds.revision()) } };
    return ok(output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : stringify(doc, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }));
  }
  const wide = output === 'wide';
  const nsCol = NAMESPACED.has(kind) && f.all;
  const s = (v: unknown): string => (v === undefined || v === null || v === '' ? '' : String(v));
  const spec = (m: Obj): Obj => (m.spec ?? {}) as Obj;
  let header: string[];
  let row: (m: Obj) => string[];
  switch (kind) {
    case 'BGPPeer':
      header = ['NAME', 'PEERIP', 'NODE', 'ASN'];
      row = (m) => [meta(m).name!, s(spec(m).peerIP), s(spec(m).node) || (spec(m).nodeSelector ? `(${s(spec(m).nodeSelector)})` : '(global)'), s(spec(m).asNumber)];
      break;
    case 'BGPConfiguration':
      header = ['NAME', 'LOGSEVERITY', 'MESHENABLED', 'ASNUMBER'];
      row = (m) => [meta(m).name!, s(spec(m).logSeverityScreen) || 'Info', s(spec(m).nodeToNodeMeshEnabled ?? (meta(m).name === 'default' ? true : '')), s(spec(m).asNumber) || '-'];
      break;
    case 'WorkloadEndpoint':
      header = wide ? ['NAMESPACE', 'WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE', 'PROFILES', 'NATS'] : ['WORKLOAD', 'NODE', 'NETWORKS', 'INTERFACE'];
      row = (m) => {
        const cells = [s(spec(m).pod ?? spec(m).workload), s(spec(m).node), ((spec(m).ipNetworks ?? []) as string[]).join(','), s(spec(m).interfaceName)];
        return wide ? [meta(m).namespace ?? '', ...cells, ((spec(m).profiles ?? []) as string[]).join(','), ''] : cells;
      };
      break;
    case 'GlobalNetworkPolicy': case 'NetworkPolicy':
      header = wide ? ['NAME', 'ORDER', 'SELECTOR'] : ['NAME'];
      row = (m) => (wide ? [meta(m).name!, s(spec(m).order), s(spec(m).selector) || 'all()'] : [meta(m).name!]);
      break;
    case 'Tier':
      header = ['NAME', 'ORDER'];
      row = (m) => [meta(m).name!, s(spec(m).order)];
      break;
    case 'HostEndpoint':
      header = ['NAME', 'NODE'];
      row = (m) => [meta(m).name!, s(spec(m).node)];
      break;
    case 'IPReservation':
      header = ['NAME', 'CIDRS'];
      row = (m) => [meta(m).name!, ((spec(m).reservedCIDRs ?? []) as string[]).join(',')];
      break;
    default:
      header = ['NAME'];
      row = (m) => [meta(m).name!];
  }
  const rows = [[...(nsCol && kind !== 'WorkloadEndpoint' ? ['NAMESPACE'] : []), ...header], ...items.map((m) => [...(nsCol && kind !== 'WorkloadEndpoint' ? [meta(m).namespace ?? ''] : []), ...row(m)])];
  // calicoctl's printer: tab-terminated cells through tabwriter(5, 1, 3), then an empty line.
  return ok(`${tabwriterTable(rows)}\n`);
}

async function patch(c: CalicoctlTarget, f: Flags): Promise<CommandResult> {
  const [word, name] = f.words;
  const kind = KIND_WORDS[(word ?? '').toLowerCase()];
  if (!kind) return fail(`Failed to patch resource: resource type '${word ?? ''}' is not supported`);
  if (!name) return fail('Failed to patch resource: a resource name is required');
  if (f.patch === undefined) return fail('Invalid option: --patch=<PATCH> is required');
  let p: unknown;
  try { p = JSON.parse(f.patch); } catch (e) { return fail(`Failed to patch '${kind}' resource: invalid patch: ${(e as Error).message}`); }
  if (POLICY_KINDS.has(kind) || NAMESPACED.has(kind)) return fail(`Failed to patch '${kind}' resource: podlab patches cluster-scoped datastore resources (apply the whole ${kind} instead)`);
  const next = await c.patch(kind, name, p as Record<string, unknown>);
  if (next === undefined) return fail(`Failed to patch '${kind}' resource: resource does not exist: ${ident(kind, name)} with error: <nil>`);
  return ok(`Successfully patched 1 '${kind}' resource\n`);
}

async function label(c: CalicoctlTarget, f: Flags): Promise<CommandResult> {
  const [word, name, spec] = f.words;
  const kind = KIND_WORDS[(word ?? '').toLowerCase()];
  if (!kind || POLICY_KINDS.has(kind) || NAMESPACED.has(kind)) return fail(`failed to update label of resource: resource type '${word ?? ''}' is not supported by podlab's calicoctl label`);
  if (!name || !spec) return fail('Usage:\n  calicoctl label <KIND> <NAME> ( ( <key>=<value> [--overwrite] ) | ( <key> --remove ) )');
  const key = resourceKey(kind, name);
  const kv = await c.ds.get(key);
  if (!kv) return fail(`failed to get resource: resource does not exist: ${ident(kind, name)} with error: <nil>`);
  const res = kv.value as Obj;
  const labels = { ...(meta(res).labels ?? {}) };
  const plural = RESOURCE_PLURALS[kind];
  if (f.remove) {
    if (!(spec in labels)) return fail(`failed to update label of resource: can not remove label. key ${spec} is not found.`);
    delete labels[spec];
    await c.patch(kind, name, { metadata: { labels: { [spec]: null } } });
    return ok(`Successfully removed label ${spec} from ${plural} ${name}\n`);
  }
  const eq = spec.indexOf('=');
  if (eq <= 0) return fail(`invalid label ${spec}: give key=value, or key --remove`);
  const k = spec.slice(0, eq);
  if (k in labels && !f.overwrite) return fail(`failed to update label of resource: key ${k} is already present. Please use '--overwrite' to set a new value.`);
  await c.patch(kind, name, { metadata: { labels: { [k]: spec.slice(eq + 1) } } });
  return ok(`Successfully ${k in labels ? 'overwrote' : 'set'} label ${k} on ${plural} ${name}\n`);
}

const ipNum = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** `calicoctl ipam check`: blocks, pools, nodes' tunnel addresses and workloads cross-checked. */
async function ipamCheck(c: CalicoctlTarget): Promise<CommandResult> {
  const blocks = (await c.ipam.store.listBlocks()).map((b) => b.value);
  const out: string[] = ['Checking IPAM for inconsistencies...', '', 'Loading all IPAM blocks...', `Found ${blocks.length} IPAM blocks.`];
  const allocated = new Map<string, string>();
  const perNode = new Map<string, number>();
  for (const b of blocks) {
    out.push(` IPAM block ${b.cidr} affinity=${b.affinity ?? '<none>'}:`);
    const base = ipNum(b.cidr.split('/')[0]!);
    b.allocations.forEach((a, ord) => {
      if (a === null) return;
      const ip = [24, 16, 8, 0].map((s) => ((base + ord) >>> s) & 255).join('.');
      const attr = b.attributes[a];
      allocated.set(ip, attr?.handle_id ?? '');
      const node = attr?.secondary?.node ?? b.affinity?.replace(/^host:/, '') ?? '';
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
    });
  }
  out.push(`IPAM blocks record ${allocated.size} allocations.`, '', 'Loading all IPAM pools...');
  const pools = await listKind(c, 'IPPool', undefined);
  for (const p of pools) out.push(`  ${String((p.spec as Obj | undefined)?.cidr ?? '')}`);
  out.push(`Found ${pools.length} active IP pools.`, '', 'Loading all nodes.');
  const inUse = new Set<string>();
  let tunnels = 0;
  for (const n of await listKind(c, 'Node', undefined)) {
    const spec = (n.spec ?? {}) as { bgp?: { ipv4IPIPTunnelAddr?: string }; ipv4VXLANTunnelAddr?: string; wireguard?: { interfaceIPv4Address?: string } };
    for (const a of [spec.bgp?.ipv4IPIPTunnelAddr, spec.ipv4VXLANTunnelAddr, spec.wireguard?.interfaceIPv4Address]) if (a) { inUse.add(a); tunnels++; }
  }
  out.push(`Found ${tunnels} node tunnel IPs.`, '', 'Loading all workload endpoints.');
  let workloads = 0;
  for (const w of (await c.ds.list(resourcePrefix('WorkloadEndpoint'))).kvs) {
    for (const net of ((w.value as Obj).spec as { ipNetworks?: string[] } | undefined)?.ipNetworks ?? []) { inUse.add(net.split('/')[0]!); workloads++; }
  }
  out.push(`Found ${workloads} workload IPs.`, `Workloads and nodes are using ${inUse.size} IPs.`, '', 'Looking for top (up to 20) nodes by allocations...');
  const top = [...perNode].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  for (const [n, k] of top) out.push(`  ${n} has ${k} allocations`);
  const counts = [...perNode.values()].sort((a, b) => a - b);
  if (counts.length) out.push(`Node with most allocations has ${counts[counts.length - 1]}; median is ${counts[Math.floor(counts.length / 2)]}`);
  const leaked = [...allocated.keys()].filter((ip) => !inUse.has(ip)).sort((a, b) => ipNum(a) - ipNum(b));
  const missing = [...inUse].filter((ip) => !allocated.has(ip)).sort((a, b) => ipNum(a) - ipNum(b));
  out.push('', 'Scanning for IPs that are allocated but not actually in use...');
  for (const ip of leaked) out.push(`  ${ip} leaked; attrs handle=${allocated.get(ip)}`);
  out.push(`Found ${leaked.length} IPs that are allocated in IPAM but not actually in use.`, 'Scanning for IPs that are in use by a workload or node but not allocated in IPAM...');
  for (const ip of missing) out.push(`  ${ip} in use but not allocated`);
  out.push(`Found ${missing.length} in-use IPs that are not in active IP pools.`, `Found ${missing.length} in-use IPs that are allocated in IPAM but not actually in use.`, '', `Check complete; found ${leaked.length + missing.length} problems.`, '');
  return ok(out.join('\n'));
}

/** `calicoctl ipam release --ip=IP`. */
async function ipamRelease(c: CalicoctlTarget, ip: string | undefined): Promise<CommandResult> {
  if (!ip) return fail('Usage:\n  calicoctl ipam release [--ip=<IP>] [--from-report=<REPORT>]');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return fail(`Invalid IP address specified: ${ip}`);
  const unallocated = await c.ipam.releaseIPs([ip]);
  if (unallocated.length) return fail(`IP address ${ip} is not assigned`);
  await c.settle();
  return ok(`Successfully released IP address ${ip}\n`);
}
