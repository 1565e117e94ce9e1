/**
 * Calico in scenarios: the steps that change the cluster — `apply` (manifests inline, a list,
 * or `{file}`), `delete`, `pod` (CNI ADD/DEL, with optional test servers), `converge`,
 * `stopAgent` — and the names pods add: a pod is a node for `ping`/`exec`/`traceroute`/
 * `reachable` (`pod-a` means `default/pod-a`; `ns/pod` names another namespace) and a target
 * that resolves to its address. Each kind is one registration; the runner is unchanged.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node as YNode } from 'yaml';
import type { Entry, Source } from '../model/source.ts';
import { describe as describeNode } from '../model/source.ts';
import type { Located, Location } from '../model/types.ts';
import { isIPv4 } from '../net/ip.ts';
import type { EventBody, Json } from '../events.ts';
import type { ClusterControl, Manifest } from './cluster-control.ts';
import type { LabDriver } from './driver.ts';
import { registerAction, registerNodeNames, registerNodeResolver, registerTargetResolver, StepError } from './registry.ts';
import type { StepContext } from './registry.ts';
import type { ServerPort } from './sim-nc.ts';
import { manifestName as nameOf } from './sim-cluster.ts';
import { needString, optString, readDuration, strictMap } from './values.ts';
import { parseYamlDocuments } from '../model/yaml-limits.ts';
import { CommandLineError, splitCommandLine } from '../sim/tools/argv.ts';

// ---------------------------------------------------------------------------------------
// the cluster and its pods

/** The Calico cluster a driver runs; StepError when the lab has none. */
export function clusterOf(driver: LabDriver): ClusterControl {
  const c = driver.calico();
  if (!c) throw new StepError(`this lab runs no Calico (the topology '${driver.topology.name}' needs a \`calico:\` section and k8s nodes)`);
  return c;
}

/** `pod-a` → `default/pod-a`; `ns/pod` as written. */
export function podKey(name: string): string {
  return name.includes('/') ? name : `default/${name}`;
}

function podOf(driver: LabDriver | undefined, name: string) {
  if (!driver || isIPv4(name)) return undefined;
  return driver.calico()?.pods().get(podKey(name));
}

registerNodeResolver((name, driver) => podOf(driver, name)?.podNode);
registerTargetResolver((name, driver) => podOf(driver, name)?.ip);

// Pods a scenario creates with `pod:` steps or its topology declares as v1 Pods are names the
// checks accept before anything runs.
registerNodeNames((scenario, topology) => {
  const out: string[] = [];
  const add = (ns: string, name: string): void => {
    out.push(`${ns}/${name}`);
    if (ns === 'default') out.push(name);
  };
  for (const s of scenario.steps) {
    if (s.action?.kind === 'pod' && s.action.params) {
      const p = s.action.params as PodParams;
      add(p.namespace, p.name.value);
    }
    // Pods pasted as v1 Pod manifests under `apply:`.
    if (s.action?.kind === 'apply' && s.action.params) {
      for (const m of (s.action.params as ApplyParams).manifests ?? []) {
        const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
        if (m.apiVersion === 'v1' && m.kind === 'Pod' && meta.name) add(meta.namespace ?? 'default', meta.name);
      }
    }
  }
  for (const m of topology.calico) {
    if (m.apiVersion !== 'v1' || m.kind !== 'Pod') continue;
    const meta = (m.manifest.metadata ?? {}) as { name?: string; namespace?: string };
    if (meta.name) add(meta.namespace ?? 'default', meta.name);
  }
  return out;
});

// ---------------------------------------------------------------------------------------
// apply / delete


/** `apply`: manifests written inline (one or a list), or a YAML file of them (`{file}`, relative to the scenario). */
export type ApplyParams = { readonly manifests: readonly Manifest[]; readonly file?: undefined } | { readonly file: string; readonly loc: Location; readonly manifests?: undefined };

function checkManifest(src: Source, node: YNode, v: unknown): Manifest | undefined {
  const m = v as Manifest;
  if (!isMap(node) || typeof m.kind !== 'string' || typeof m.apiVersion !== 'string') {
    src.problems.error(src.loc(node), `apply: each manifest needs apiVersion and kind, not ${describeNode(node)}`, 'paste the manifest as `calicoctl apply` / `kubectl apply` takes it');
    return undefined;
  }
  if (typeof (m.metadata as Manifest | undefined)?.name !== 'string') {
    src.problems.error(src.loc(node), `apply: the ${m.kind} has no metadata.name`);
    return undefined;
  }
  return m;
}

/** Any k8s node of the cluster: where the step's `calicoctl`/`kubectl` is shown to run. */
function adminNode(c: ClusterControl): string {
  return c.agentNodes()[0] ?? '?';
}

function emitCommand(ctx: StepContext, c: ClusterControl, argv: string[], stdout: string, stderr = '', code = 0): void {
  ctx.emit({ type: 'command', node: adminNode(c), argv, stdout, stderr, code, start: ctx.driver.now(), phase: 'step' });
}

registerAction<ApplyParams>({
  key: 'apply',
  parse(src, e) {
    if (isMap(e.value) && e.value.items.length === 1 && isScalar(e.value.items[0]!.key) && (e.value.items[0]!.key as { value: unknown }).value === 'file') {
      const m = strictMap(src, e.value, e.keyLoc, 'apply', ['file']);
      const f = m && needString(src, m, 'file', e.keyLoc, 'apply');
      return f ? { file: resolve(dirname(f.loc.file), f.value), loc: f.loc } : undefined;
    }
    const nodes = isSeq(e.value) ? (src.seq(e.value, 'apply') ?? []) : e.value ? [e.value] : [];
    if (nodes.length === 0) {
      src.problems.error(e.keyLoc, 'apply has no manifest', 'write the manifest under `apply:` (or a list of them, or `apply: {file: path.yaml}`)');
      return undefined;
    }
    const out: Manifest[] = [];
    for (const n of nodes) {
      const m = checkManifest(src, n, src.toJS(n));
      if (m) out.push(m);
    }
    return out.length === nodes.length ? { manifests: out } : undefined;
  },
  describe: (p) => (p.file !== undefined ? `apply -f ${p.file}` : `apply ${p.manifests.map(nameOf).join(', ')}`),
  async run(p, ctx) {
    const c = clusterOf(ctx.driver);
    let manifests: readonly Manifest[];
    if (p.file !== undefined) {
      let text: string;
      try {
        text = await readFile(p.file, 'utf8');
      } catch (e) {
        throw new StepError(`apply: cannot read ${p.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      manifests = parseYamlDocuments(text, p.file).filter((d): d is Manifest => typeof d === 'object' && d !== null);
    } else manifests = p.manifests;
    for (const m of manifests) {
      try {
        await c.apply(m);
      } catch (e) {
        const msg = (e as Error).message;
        emitCommand(ctx, c, applyArgv(m), '', `Failed to execute command: ${msg}\n`, 1);
        throw e instanceof StepError ? e : new StepError(`${nameOf(m)}: ${msg}`);
      }
      emitCommand(ctx, c, applyArgv(m), `Successfully applied 1 '${m.kind as string}' resource(s)\n`);
      emitResource(ctx, 'applied', m);
    }
  },
});

/**
 * The `calico.resource` event of a change: the resource as it now is, compact (apiVersion,
 * kind, metadata name/namespace/labels, spec), so the UI can replay roles such as a Node's
 * `routeReflectorClusterID` at any step without the datastore's bookkeeping fields.
 */
export function resourceEventBody(action: 'applied' | 'patched', m: Manifest): EventBody {
  const meta = (m.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
  const metadata: Record<string, Json> = { name: String(meta.name ?? '') };
  if (meta.namespace) metadata.namespace = meta.namespace;
  if (meta.labels && Object.keys(meta.labels).length > 0) metadata.labels = { ...meta.labels };
  const manifest: Record<string, Json> = { apiVersion: String(m.apiVersion ?? ''), kind: String(m.kind ?? ''), metadata };
  // JSON round trip: a YAML-parsed spec may hold values JSON has no form for (undefined, Dates).
  if (m.spec !== undefined) manifest.spec = JSON.parse(JSON.stringify(m.spec)) as Json;
  return { type: 'calico.resource', kind: manifest.kind as string, name: metadata.name as string, ...(meta.namespace ? { namespace: meta.namespace } : {}), action, manifest };
}

function emitResource(ctx: StepContext, action: 'applied' | 'patched', m: Manifest): void {
  ctx.emit(resourceEventBody(action, m));
}

const applyArgv = (m: Manifest): string[] => [String(m.apiVersion).startsWith('projectcalico.org/') ? 'calicoctl' : 'kubectl', 'apply', '-f', '-'];

/** `delete: {kind, name, namespace?}`. */
export interface DeleteParams { kind: Located<string>; name: Located<string>; namespace?: string }

registerAction<DeleteParams>({
  key: 'delete',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'delete', ['kind', 'name', 'namespace']);
    if (!m) return undefined;
    const kind = needString(src, m, 'kind', e.keyLoc, 'delete');
    const name = needString(src, m, 'name', e.keyLoc, 'delete');
    const ns = optString(src, m, 'namespace', 'delete');
    return kind && name ? { kind, name, ...(ns ? { namespace: ns.value } : {}) } : undefined;
  },
  describe: (p) => `delete ${p.kind.value} ${p.name.value}`,
  async run(p, ctx) {
    const c = clusterOf(ctx.driver);
    const kind = p.kind.value;
    const name = p.name.value;
    try {
      await c.remove(kind, name, p.namespace);
    } catch (e) {
      throw e instanceof StepError ? e : new StepError((e as Error).message);
    }
    emitCommand(ctx, c, [kind === 'NetworkPolicy' && p.namespace === undefined ? 'kubectl' : 'calicoctl', 'delete', kind.toLowerCase(), name], `Successfully deleted 1 '${kind}' resource(s)\n`);
    const ns = kind === 'NetworkPolicy' || kind === 'Pod' ? (p.namespace ?? 'default') : p.namespace;
    ctx.emit({ type: 'calico.resource', kind, name, ...(ns !== undefined ? { namespace: ns } : {}), action: 'deleted' });
  },
});

/** `patch: {kind, name, patch}`: a JSON merge patch on a stored resource, as `calicoctl patch` applies it. */
export interface PatchParams { kind: Located<string>; name: Located<string>; patch: Manifest }

registerAction<PatchParams>({
  key: 'patch',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'patch', ['kind', 'name', 'patch']);
    if (!m) return undefined;
    const kind = needString(src, m, 'kind', e.keyLoc, 'patch');
    const name = needString(src, m, 'name', e.keyLoc, 'patch');
    const pe = m.get('patch');
    if (!pe || !isMap(pe.value)) {
      src.problems.error(pe?.valueLoc ?? e.keyLoc, 'patch needs `patch:` with the fields to change', 'e.g. `patch: {spec: {bgp: {routeReflectorClusterID: 244.0.0.1}}}`');
      return undefined;
    }
    return kind && name ? { kind, name, patch: src.toJS(pe.value) as Manifest } : undefined;
  },
  describe: (p) => `patch ${p.kind.value} ${p.name.value}`,
  async run(p, ctx) {
    const c = clusterOf(ctx.driver);
    const next = await c.patch(p.kind.value, p.name.value, p.patch);
    if (next === undefined) throw new StepError(`no ${p.kind.value} '${p.name.value}' in the datastore`);
    emitCommand(ctx, c, ['calicoctl', 'patch', p.kind.value.toLowerCase(), p.name.value, '-p', JSON.stringify(p.patch)], `Successfully patched 1 '${p.kind.value}' resource\n`);
    emitResource(ctx, 'patched', next as Manifest);
  },
});

// ---------------------------------------------------------------------------------------
// pod

/** `pod: {name, namespace?, node, labels?, state?, listen?, ip?}`. */
export interface PodParams {
  name: Located<string>;
  namespace: string;
  node?: Located<string>;
  labels: Record<string, string>;
  state: 'present' | 'absent';
  listen: ServerPort[];
  ip?: string;
}

function readPorts(src: Source, e: Entry): ServerPort[] | undefined {
  const items = isSeq(e.value) ? src.seq(e.value, 'pod: listen') ?? [] : [e.value];
  const out: ServerPort[] = [];
  for (const it of items) {
    const n = src.deref(it);
    const text = isScalar(n) ? String(n.value) : '';
    // `NAME=` gives the port a containerPort name (IANA_SVC_NAME: lower case, digits, '-', at most 15).
    const m = /^(?:([a-z0-9](?:[-a-z0-9]{0,13}[a-z0-9])?)=)?(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(text.trim());
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535 || (m[1] !== undefined && (!/[a-z]/.test(m[1]) || m[1] !== m[1].toLowerCase()))) {
      src.problems.error(n ? src.loc(n) : e.valueLoc, `pod: listen entries are ports like 80, "53/udp", "7777/sctp" or named "http=8080", not ${describeNode(n)}`);
      return undefined;
    }
    out.push({ port, protocol: (m[3]?.toLowerCase() ?? 'tcp') as ServerPort['protocol'], ...(m[1] ? { name: m[1] } : {}) });
  }
  return out;
}

registerAction<PodParams>({
  key: 'pod',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'pod', ['name', 'namespace', 'node', 'labels', 'state', 'listen', 'ip']);
    if (!m) return undefined;
    const name = needString(src, m, 'name', e.keyLoc, 'pod');
    const ns = optString(src, m, 'namespace', 'pod');
    const node = optString(src, m, 'node', 'pod');
    const state = optString(src, m, 'state', 'pod');
    if (state && state.value !== 'present' && state.value !== 'absent') src.problems.error(state.loc, `pod: state must be present or absent, not '${state.value}'`);
    const st = (state?.value ?? 'present') as 'present' | 'absent';
    if (st === 'present' && !node) src.problems.error(e.keyLoc, `pod has no 'node'`, 'add `node: worker-01` (podlab has no scheduler)');
    const labels: Record<string, string> = {};
    const le = m.get('labels');
    if (le) {
      for (const f of src.map(le.value, 'pod: labels') ?? []) {
        const v = src.deref(f.value);
        if (isScalar(v) && v.value !== null && typeof v.value !== 'object') labels[f.key] = String(v.value);
        else src.problems.error(f.valueLoc, `pod: label '${f.key}' needs a string value`);
      }
    }
    const lis = m.get('listen');
    const listen = lis ? readPorts(src, lis) : [];
    const ip = optString(src, m, 'ip', 'pod');
    if (ip && !isIPv4(ip.value)) src.problems.error(ip.loc, `pod: ip must be an IPv4 address, not '${ip.value}'`);
    if (!name || !listen || (st === 'present' && !node)) return undefined;
    return { name, namespace: ns?.value ?? 'default', ...(node ? { node } : {}), labels, state: st, listen, ...(ip ? { ip: ip.value } : {}) };
  },
  check: (p, ctx) => p.node && ctx.node(p.node.value, p.node.loc),
  describe: (p) => (p.state === 'absent' ? `delete pod ${p.namespace}/${p.name.value}` : `pod ${p.namespace}/${p.name.value} on ${p.node!.value}`),
  async run(p, ctx) {
    const c = clusterOf(ctx.driver);
    if (p.state === 'absent') {
      try {
        await c.removePod(p.namespace, p.name.value);
      } catch (e) {
        throw new StepError((e as Error).message);
      }
      emitCommand(ctx, c, ['kubectl', 'delete', 'pod', '-n', p.namespace, p.name.value], `pod "${p.name.value}" deleted\n`);
      return;
    }
    let pod;
    try {
      pod = await c.addPod(p.node!.value, p.namespace, p.name.value, { labels: p.labels, ...(p.ip ? { ip: p.ip } : {}), listen: p.listen });
    } catch (e) {
      // kubelet's event text: the pod stays in ContainerCreating with CNI's message.
      const msg = `Failed to create pod sandbox: ${(e as Error).message}`;
      ctx.emit({ type: 'command', node: p.node!.value, argv: ['kubectl', 'run', p.name.value], stdout: '', stderr: `${msg}\n`, code: 1, start: ctx.driver.now(), phase: 'step' });
      throw new StepError(msg);
    }
    emitCommand(ctx, c, ['kubectl', 'run', p.name.value, '-n', p.namespace, `--overrides={"spec":{"nodeName":"${pod.node}"}}`],
      `pod/${p.name.value} created (${pod.ip} on ${pod.node}, ${pod.hostIface})\n`);
  },
});

// ---------------------------------------------------------------------------------------
// converge, stopAgent

registerAction<number>({
  key: 'converge',
  parse(src, e) {
    if (e.value === null || (isScalar(e.value) && e.value.value === null)) return 120_000;
    const m = strictMap(src, e.value, e.keyLoc, 'converge', ['max']);
    if (!m) return undefined;
    const me = m.get('max');
    return me ? readDuration(src, me.value, me.valueLoc, 'converge: max') : 120_000;
  },
  describe: (ms) => `converge (BGP Established everywhere, every block learned; at most ${ms / 1000}s)`,
  async run(ms, ctx) {
    const c = clusterOf(ctx.driver);
    const r = await c.converge(ms);
    if (!r.converged) {
      const stuck = r.pending;
      const time = ctx.driver.clock === 'virtual' ? 'virtual time' : 'wall time';
      throw new StepError(`not converged after ${ms / 1000}s of ${time}: ${stuck.slice(0, 6).join(', ')}${stuck.length > 6 ? '…' : ''}`);
    }
  },
});

registerAction<Located<string>>({
  key: 'stopAgent',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'stopAgent', ['node']);
    return m ? needString(src, m, 'node', e.keyLoc, 'stopAgent') : undefined;
  },
  check: (p, ctx) => ctx.node(p.value, p.loc),
  describe: (p) => `stop calico-node on ${p.value}`,
  async run(p, ctx) {
    const c = clusterOf(ctx.driver);
    if (!c.agentNodes().includes(p.value)) throw new StepError(`${p.value} runs no calico-node (k8s nodes: ${c.agentNodes().join(', ')})`);
    await c.stopAgent(p.value);
  },
});

/** `kubectl: ARGS`: kubectl as a learner types it, on the cluster's first node (its output feeds `output:`/`exitCode:` expectations). */
export interface KubectlParams { argv: string[]; loc: Location }

registerAction<KubectlParams>({
  key: 'kubectl',
  runsCommand: true,
  parse(src, e) {
    const s = src.string(e.value, e.keyLoc, 'kubectl');
    if (!s) return undefined;
    let argv: string[];
    try {
      argv = splitCommandLine(s.value);
    } catch (err) {
      if (!(err instanceof CommandLineError)) throw err;
      src.problems.error(s.loc, `kubectl: ${err.message}`);
      return undefined;
    }
    if (argv[0] === 'kubectl') argv.shift();
    if (argv.length === 0) {
      src.problems.error(s.loc, 'kubectl: no verb', 'write e.g. `kubectl: scale deployment web --replicas=2` or `kubectl: get pods -o wide`');
      return undefined;
    }
    return { argv, loc: s.loc };
  },
  describe: (p) => `kubectl ${p.argv.join(' ')}`,
  async run(p, ctx) {
    await ctx.exec(adminNode(clusterOf(ctx.driver)), ['kubectl', ...p.argv], 'step');
  },
});
