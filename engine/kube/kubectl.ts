/**
 * `kubectl` over a KubeCluster, as a lab shell runs it. Reading verbs (`get`, `describe`,
 * `version`) are pure over the cluster's state and answer synchronously; verbs that change
 * the cluster (`apply`, `delete`, `run`, `create deployment`, `expose`, `scale`, `label`,
 * `exec`) run the controllers, so they are async. Texts and exit codes are kubectl 1.28's.
 */
import { parseAllDocuments } from 'yaml';
import type { KubeCluster } from './cluster.ts';
import { KubeError, workloadResource } from './cluster.ts';
import { describePod, describeService, describeWorkload } from './describe.ts';
import { get, QUALIFIED, RESOURCES } from './kubectl-get.ts';
import { fail, ok, parseArgs, parsePairs } from './kubectl-flags.ts';
import type { KubectlArgs, KubectlResult } from './kubectl-flags.ts';
import { WORKLOAD_KINDS } from './manifests.ts';
import { NODE_FACTS } from './node-facts.ts';
import { containerNameOf } from './objects.ts';
import type { WorkloadKind } from './types.ts';

export type { KubectlResult } from './kubectl-flags.ts';
export { NODE_FACTS } from './node-facts.ts';

const USAGE = `kubectl controls the Kubernetes cluster manager.

 podlab's kubectl answers:
  get RESOURCE [NAME] [-o wide|yaml|json|name] [-n NS|-A] [-l SELECTOR]
  describe pod|svc|deploy|rs|ds NAME
  apply -f FILE|-   delete -f FILE|-   delete pod|svc|deploy|rs|ds NAME...
  run NAME --image=IMAGE [--labels=k=v,...] [--port=N]
  create deployment NAME --image=IMAGE [--replicas=N] [--port=N]
  expose deploy|rs|pod|svc NAME --port=N [--target-port=N] [--type=ClusterIP|NodePort|LoadBalancer] [--name=NAME]
  scale deploy|rs NAME --replicas=N
  label pod|svc|deploy NAME k=v... [k-] [--overwrite]
  exec POD -- COMMAND [ARGS...]
  (stdin for '-f -': a here-document, e.g.  kubectl apply -f - <<EOF ... EOF)
`;

/** What the async verbs need from where kubectl runs. */
export interface KubectlIO {
  /** Virtual (or wall) time in ms. */
  now(): number;
  /** What stdin holds (a here-document), if anything. */
  readonly stdin?: string;
  /** Reads a file for `-f FILE`; throws when it cannot. */
  readFile(path: string): string;
  /** Runs a command inside a pod's network namespace. */
  execInPod(namespace: string, name: string, argv: readonly string[]): Promise<KubectlResult>;
}

/** `kubectl ARGS` for the reading verbs (synchronous); undefined for a verb that changes the cluster. */
export function kubectl(k: KubeCluster, args: readonly string[], now: number): KubectlResult | undefined {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') return ok(USAGE);
  if (verb === 'version') return ok(`Client Version: ${NODE_FACTS.version}\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3\nServer Version: ${NODE_FACTS.version}\n`);
  if (verb === 'get' || verb === 'describe') {
    const a = parseArgs(rest, verb);
    if ('code' in a) return a;
    return verb === 'get' ? get(k, a, now) : describe(k, a, now);
  }
  if (['apply', 'delete', 'run', 'create', 'expose', 'scale', 'label', 'exec'].includes(verb)) return undefined;
  return fail(`error: unknown command "${verb}" for "kubectl"\nRun 'kubectl --help' for usage.`);
}

/** `kubectl ARGS` for every verb. */
export async function kubectlAsync(k: KubeCluster, args: readonly string[], io: KubectlIO): Promise<KubectlResult> {
  const sync = kubectl(k, args, io.now());
  if (sync) return sync;
  const [verb, ...rest] = args as [string, ...string[]];
  const a = parseArgs(rest, verb);
  if ('code' in a) return a;
  try {
    switch (verb) {
      case 'apply': return await applyFiles(k, a, io, false);
      case 'delete': return a.flags.has('filename') ? await applyFiles(k, a, io, true) : await deleteNamed(k, a);
      case 'run': return await run(k, a);
      case 'create': return await createDeployment(k, a);
      case 'expose': return await expose(k, a);
      case 'scale': return await scale(k, a);
      case 'label': return await label(k, a);
      case 'exec': return await exec(k, a, io);
    }
  } catch (e) {
    if (e instanceof KubeError) return fail(e.message);
    throw e;
  }
  return fail(`error: unknown command "${verb}" for "kubectl"`);
}

const nsOf = (a: KubectlArgs): string => a.flags.get('namespace') ?? 'default';

/** `TYPE NAME` or `TYPE/NAME` → [resource plural, name]. */
function target(a: KubectlArgs, verb: string): [string, string[]] | KubectlResult {
  const [first, ...more] = a.words;
  if (!first) return fail(`error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'`);
  const [word, names] = first.includes('/') ? [first.slice(0, first.indexOf('/')), [first.slice(first.indexOf('/') + 1), ...more]] : [first, more];
  const resource = RESOURCES[word.toLowerCase()];
  if (!resource) return fail(`error: the server doesn't have a resource type "${word}"`);
  if (names.length === 0 && verb !== 'delete') return fail(`error: resource(s) were provided, but no name was specified`);
  return [resource, names];
}

const KIND_OF: Record<string, string> = { pods: 'Pod', services: 'Service', deployments: 'Deployment', replicasets: 'ReplicaSet', daemonsets: 'DaemonSet', namespaces: 'Namespace', networkpolicies: 'NetworkPolicy' };

/** Documents of `-f FILE` / `-f -` (a `kind: List` is unrolled), or an error result. */
function documents(a: KubectlArgs, io: KubectlIO): { file: string; docs: Record<string, unknown>[] }[] | KubectlResult {
  const files = a.all.get('filename') ?? [];
  if (files.length === 0) return fail('error: must specify one of -f and -k');
  const out: { file: string; docs: Record<string, unknown>[] }[] = [];
  for (const file of files) {
    let text: string;
    if (file === '-') {
      if (io.stdin === undefined) return fail("error: no objects passed to apply (stdin is empty: feed it a here-document, e.g.  kubectl apply -f - <<EOF, the manifest, then a line EOF)");
      text = io.stdin;
    } else {
      try {
        text = io.readFile(file);
      } catch {
        return fail(`error: the path "${file}" does not exist`);
      }
    }
    const docs: Record<string, unknown>[] = [];
    for (const d of parseAllDocuments(text)) {
      if ('errors' in d && d.errors.length) {
        const e = d.errors[0]!;
        return fail(`error: error parsing ${file === '-' ? 'STDIN' : file}: error converting YAML to JSON: yaml: line ${e.linePos?.[0]?.line ?? 0}: ${e.message.split('\n')[0]}`);
      }
      const v = d.toJS() as unknown;
      if (v === null || v === undefined) continue;
      if (typeof v !== 'object' || Array.isArray(v)) return fail(`error: error validating "${file === '-' ? 'STDIN' : file}": error validating data: invalid object to validate; if you choose to ignore these errors, turn validation off with --validate=false`);
      const o = v as Record<string, unknown>;
      if (o.kind === 'List' && Array.isArray(o.items)) docs.push(...(o.items as Record<string, unknown>[]));
      else docs.push(o);
    }
    for (const o of docs) {
      if (!o.kind) return fail(`error: error validating "${file === '-' ? 'STDIN' : file}": error validating data: kind not set; if you choose to ignore these errors, turn validation off with --validate=false`);
      if (!o.apiVersion) return fail(`error: error validating "${file === '-' ? 'STDIN' : file}": error validating data: apiVersion not set; if you choose to ignore these errors, turn validation off with --validate=false`);
    }
    out.push({ file: file === '-' ? 'STDIN' : file, docs });
  }
  return out;
}

/** `apply -f` (or `delete -f`): every document in order; errors are reported per object and make the exit 1. */
async function applyFiles(k: KubeCluster, a: KubectlArgs, io: KubectlIO, remove: boolean): Promise<KubectlResult> {
  const files = documents(a, io);
  if ('code' in files) return files;
  const lines: string[] = [];
  const errors: string[] = [];
  // Every object of the files is one batch of changes for the network (one Felix pass per node).
  await k.batch(async () => {
    for (const { file, docs } of files) {
      for (const m of docs) {
        const md = (m.metadata ?? {}) as { name?: string; namespace?: string };
        if (a.flags.has('namespace') && md.namespace === undefined) m.metadata = { ...md, namespace: nsOf(a) };
        const kind = String(m.kind);
        const own = WORKLOAD_KINDS.includes(kind) && m.apiVersion === 'apps/v1' || (m.apiVersion === 'v1' && (kind === 'Service' || kind === 'Pod'));
        try {
          if (remove) lines.push(own ? await k.remove(kind, String(md.name), ((m.metadata as { namespace?: string }).namespace) ?? 'default') : await other(k, m, true));
          else lines.push(own ? await k.apply(m) : await other(k, m, false));
        } catch (e) {
          if (!(e instanceof KubeError)) throw e;
          const msg = e.message;
          if (msg.startsWith('Error from server (NotFound): ')) errors.push(`Error from server (NotFound): error when deleting "${file}": ${msg.slice(30)}`);
          else if (msg.startsWith('The ')) errors.push(`Error from server (Invalid): error when creating "${file}": ${msg.slice(4)}`);
          else errors.push(msg);
        }
      }
    }
  });
  return { stdout: lines.map((l) => `${l}\n`).join(''), stderr: errors.map((l) => `${l}\n`).join(''), code: errors.length ? 1 : 0 };
}

/** Objects kube/ does not reconcile (Namespace, NetworkPolicy, Calico's): the host applies them. */
async function other(k: KubeCluster, m: Record<string, unknown>, remove: boolean): Promise<string> {
  const md = (m.metadata ?? {}) as { name?: string; namespace?: string };
  if (remove) {
    if (!k.host.deleteOther) throw new KubeError(`error: resource mapping not found for name: "${md.name}" namespace: "${md.namespace ?? ''}" from "": no matches for kind "${String(m.kind)}" in version "${String(m.apiVersion)}"`);
    return k.host.deleteOther(String(m.kind), String(md.name), md.namespace ?? 'default');
  }
  if (!k.host.applyOther) throw new KubeError(`error: resource mapping not found for name: "${md.name}" namespace: "${md.namespace ?? ''}" from "": no matches for kind "${String(m.kind)}" in version "${String(m.apiVersion)}"\nensure CRDs are installed first`);
  return k.host.applyOther(m);
}

/** `delete TYPE NAME...` (also `--all` for pods). */
async function deleteNamed(k: KubeCluster, a: KubectlArgs): Promise<KubectlResult> {
  const t = target(a, 'delete');
  if ('code' in t) return t;
  const [resource, names0] = t;
  const ns = nsOf(a);
  let names = names0;
  if (names.length === 0) {
    if (!a.flags.has('all')) return fail('error: resource(s) were provided, but no name was specified');
    names = resource === 'pods' ? k.pods().filter((p) => p.namespace === ns).map((p) => p.name) : [];
  }
  const kind = KIND_OF[resource];
  if (!kind) return fail(`error: podlab's kubectl deletes pods, services, deployments, replicasets, daemonsets, namespaces and networkpolicies (not ${resource})`);
  const out: string[] = [];
  const errs: string[] = [];
  for (const n of names) {
    try {
      if (kind === 'Namespace' || kind === 'NetworkPolicy') out.push(await other(k, { apiVersion: kind === 'Namespace' ? 'v1' : 'networking.k8s.io/v1', kind, metadata: { name: n, namespace: ns } }, true));
      else out.push(await k.remove(kind, n, ns));
    } catch (e) {
      if (!(e instanceof KubeError)) throw e;
      errs.push(e.message);
    }
  }
  return { stdout: out.map((l) => `${l}\n`).join(''), stderr: errs.map((l) => `${l}\n`).join(''), code: errs.length ? 1 : 0 };
}

function portFlag(a: KubectlArgs, flag = 'port'): number | undefined | KubectlResult {
  const v = a.flags.get(flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) return fail(`error: invalid argument "${v}" for "--${flag}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return n;
}

/** `run NAME --image=IMAGE [--labels] [--port]`: one pod, labelled `run=NAME` unless --labels says otherwise. */
async function run(k: KubeCluster, a: KubectlArgs): Promise<KubectlResult> {
  const name = a.words[0];
  if (!name) return fail("error: NAME is required for run\nSee 'kubectl run -h' for help and examples");
  const image = a.flags.get('image');
  if (!image) return fail('error: required flag(s) "image" not set');
  const port = portFlag(a);
  if (typeof port === 'object') return port;
  let labels: Record<string, string> = { run: name };
  if (a.flags.has('labels')) {
    const l = parsePairs(a.flags.get('labels')!);
    if (!l) return fail(`error: invalid label spec: ${a.flags.get('labels')}`);
    labels = l;
  }
  await k.runPod(nsOf(a), name, { labels, image, containerPorts: port ? [{ containerPort: port, protocol: 'TCP' }] : [], nodeSelector: {}, tolerations: [] });
  return ok(`pod/${name} created\n`);
}

/** `create deployment NAME --image=IMAGE [--replicas=N] [--port=N]`. */
async function createDeployment(k: KubeCluster, a: KubectlArgs): Promise<KubectlResult> {
  const [what, name] = a.words;
  if (what !== 'deployment' && what !== 'deploy') return fail(`error: podlab's kubectl creates deployments (kubectl create deployment NAME --image=IMAGE); for other objects use kubectl apply -f`);
  if (!name) return fail('error: exactly one NAME is required, got 0\nSee \'kubectl create deployment -h\' for help and examples');
  const image = a.flags.get('image');
  if (!image) return fail('error: required flag(s) "image" not set');
  const port = portFlag(a);
  if (typeof port === 'object') return port;
  const replicas = Number(a.flags.get('replicas') ?? '1');
  if (!Number.isInteger(replicas) || replicas < 0) return fail(`error: invalid argument "${a.flags.get('replicas')}" for "--replicas" flag`);
  const ns = nsOf(a);
  if (k.workloads.has(`Deployment/${ns}/${name}`)) return fail(`error: failed to create deployment: deployments.apps "${name}" already exists`);
  await k.apply({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: containerNameOf(image, name), image, ...(port ? { ports: [{ containerPort: port }] } : {}) }] } },
    },
  });
  return ok(`deployment.apps/${name} created\n`);
}

/** `expose deploy|rs|pod|svc NAME --port=N …`: a Service selecting what the object selects. */
async function expose(k: KubeCluster, a: KubectlArgs): Promise<KubectlResult> {
  const t = target(a, 'expose');
  if ('code' in t) return t;
  const [resource, [name]] = t as [string, string[]];
  const ns = nsOf(a);
  let selector: Record<string, string> | undefined;
  let ports: readonly { containerPort: number; protocol: string }[] = [];
  if (resource === 'pods') {
    const p = k.pods().find((x) => x.namespace === ns && x.name === name);
    if (!p) return fail(`Error from server (NotFound): pods "${name}" not found`);
    selector = { ...p.labels };
    ports = p.containerPorts;
  } else if (resource === 'services') {
    const s = k.services.get(`${ns}/${name}`);
    if (!s) return fail(`Error from server (NotFound): services "${name}" not found`);
    selector = s.selector ? { ...s.selector } : undefined;
    ports = s.ports.map((p) => ({ containerPort: p.port, protocol: p.protocol }));
  } else if (resource === 'deployments' || resource === 'replicasets') {
    const w = k.workloads.get(`${resource === 'deployments' ? 'Deployment' : 'ReplicaSet'}/${ns}/${name}`);
    if (!w) return fail(`Error from server (NotFound): ${QUALIFIED[resource]} "${name}" not found`);
    selector = { ...w.selector };
    ports = w.template.containerPorts;
  } else return fail(`error: cannot expose a ${resource === 'daemonsets' ? 'DaemonSet.apps' : resource}`);
  if (!selector || !Object.keys(selector).length) return fail(`error: couldn't retrieve selectors via --selector flag or introspection: the ${resource} has no selector`);
  const port = portFlag(a);
  if (typeof port === 'object') return port;
  const p = port ?? ports[0]?.containerPort;
  if (p === undefined) return fail("error: couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples");
  const tp = a.flags.get('target-port');
  const type = a.flags.get('type') ?? 'ClusterIP';
  const svcName = a.flags.get('name') ?? name!;
  if (k.services.has(`${ns}/${svcName}`)) return fail(`Error from server (AlreadyExists): services "${svcName}" already exists`);
  await k.apply({
    apiVersion: 'v1', kind: 'Service', metadata: { name: svcName, namespace: ns, labels: selector },
    spec: {
      type, selector, ...(a.flags.get('session-affinity') ? { sessionAffinity: a.flags.get('session-affinity') } : {}),
      ...(a.flags.get('cluster-ip') ? { clusterIP: a.flags.get('cluster-ip') } : {}),
      ...(a.flags.get('external-ip') ? { externalIPs: a.flags.get('external-ip')!.split(',') } : {}),
      ports: [{ port: p, protocol: a.flags.get('protocol') ?? ports[0]?.protocol ?? 'TCP', targetPort: tp === undefined ? (port === undefined ? p : ports[0]?.containerPort ?? p) : /^\d+$/.test(tp) ? Number(tp) : tp }],
    },
  });
  return ok(`service/${svcName} exposed\n`);
}

/** `scale deploy|rs NAME --replicas=N`. */
async function scale(k: KubeCluster, a: KubectlArgs): Promise<KubectlResult> {
  const t = target(a, 'scale');
  if ('code' in t) return t;
  const [resource, names] = t;
  const r = a.flags.get('replicas');
  if (r === undefined) return fail('error: required flag(s) "replicas" not set');
  const n = Number(r);
  if (!/^\d+$/.test(r)) return fail(`error: invalid argument "${r}" for "--replicas" flag: strconv.ParseInt: parsing "${r}": invalid syntax`);
  const kind = KIND_OF[resource];
  if (kind !== 'Deployment' && kind !== 'ReplicaSet' && kind !== 'DaemonSet') return fail(`error: no objects passed to scale ${resource} (scale deployments or replicasets)`);
  const out: string[] = [];
  for (const name of names) out.push(await k.scale(kind as WorkloadKind, name, nsOf(a), n));
  return ok(out.map((l) => `${l}\n`).join(''));
}

/** `label TYPE NAME k=v… k-… [--overwrite]`. */
async function label(k: KubeCluster, a: KubectlArgs): Promise<KubectlResult> {
  const [first, ...rest] = a.words;
  const split = first?.includes('/') ? [first.slice(0, first.indexOf('/')), first.slice(first.indexOf('/') + 1)] : [first, rest.shift()];
  const [word, name] = split as [string | undefined, string | undefined];
  if (!word || !name) return fail("error: one or more resources must be specified as <resource> <name> or <resource>/<name>\nSee 'kubectl label -h' for help and examples");
  const resource = RESOURCES[word.toLowerCase()];
  if (!resource) return fail(`error: the server doesn't have a resource type "${word}"`);
  if (rest.length === 0) return fail("error: at least one label update is required\nSee 'kubectl label -h' for help and examples");
  const ns = nsOf(a);
  let current: Readonly<Record<string, string>> | undefined;
  const kind = KIND_OF[resource];
  if (resource === 'pods') current = k.pods().find((p) => p.namespace === ns && p.name === name)?.labels;
  else if (resource === 'services') current = k.services.get(`${ns}/${name}`)?.labels;
  else if (kind && WORKLOAD_KINDS.includes(kind)) current = k.workloads.get(`${kind}/${ns}/${name}`)?.labels;
  else return fail(`error: podlab's kubectl labels pods, services and workloads (not ${resource})`);
  if (!current) return fail(`Error from server (NotFound): ${QUALIFIED[resource] ?? resource} "${name}" not found`);
  const next: Record<string, string> = { ...current };
  const overwrite = a.flags.has('overwrite');
  for (const op of rest) {
    if (op.endsWith('-') && !op.includes('=')) {
      delete next[op.slice(0, -1)];
      continue;
    }
    const eq = op.indexOf('=');
    if (eq <= 0) return fail(`error: invalid label spec: ${op}`);
    const key = op.slice(0, eq);
    if (key in current && current[key] !== op.slice(eq + 1) && !overwrite) return fail(`error: '${key}' already has a value (${current[key]}), and --overwrite is false`);
    next[key] = op.slice(eq + 1);
  }
  const prefix = resource === 'pods' ? 'pod' : resource === 'services' ? 'service' : workloadResource(kind as WorkloadKind);
  if (JSON.stringify(Object.entries(next).sort()) === JSON.stringify(Object.entries(current).sort())) return ok(`${prefix}/${name} not labeled\n`);
  if (resource === 'pods') await k.setPodLabels(ns, name, next);
  else k.relabel(kind as 'Service', name, ns, next);
  const msg = !overwrite && Object.keys(next).length < Object.keys(current).length ? 'unlabeled' : 'labeled';
  return ok(`${prefix}/${name} ${msg}\n`);
}

/** `exec POD [-c C] -- COMMAND…`: the command in the pod's network namespace; its exit code is kubectl's. */
async function exec(k: KubeCluster, a: KubectlArgs, io: KubectlIO): Promise<KubectlResult> {
  const [pod] = a.words;
  if (!pod) return fail("error: expected 'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]'.\nPOD_NAME and COMMAND are required arguments for the exec command\nSee 'kubectl exec -h' for help and examples");
  const name = pod.startsWith('pod/') ? pod.slice(4) : pod;
  const argv = a.afterDash ?? a.words.slice(1);
  if (argv.length === 0) return fail('error: you must specify at least one command for the container');
  const ns = nsOf(a);
  if (!k.pods().some((p) => p.namespace === ns && p.name === name)) return fail(`Error from server (NotFound): pods "${name}" not found`);
  if (a.flags.has('tty') || a.flags.has('stdin')) {
    if (argv[0] === 'sh' || argv[0] === 'bash' || argv[0] === '/bin/sh' || argv[0] === '/bin/bash') return fail(`error: podlab's pods run one command at a time: kubectl exec ${name} -- COMMAND (or use the pod's name as the node in the lab shell)`);
  }
  const r = await io.execInPod(ns, name, argv);
  if (r.code === 0) return r;
  return { stdout: r.stdout, stderr: `${r.stderr}command terminated with exit code ${r.code}\n`, code: r.code };
}

/** `describe TYPE NAME`. */
function describe(k: KubeCluster, a: KubectlArgs, now: number): KubectlResult {
  const t = target(a, 'describe');
  if ('code' in t) return t;
  const [resource, names] = t;
  const ns = nsOf(a);
  const out: string[] = [];
  const errs: string[] = [];
  for (const name of names) {
    let text: string | undefined;
    if (resource === 'pods') {
      const p = k.pods().find((x) => x.namespace === ns && x.name === name);
      text = p ? describePod(k, p, now) : undefined;
    } else if (resource === 'services') text = describeService(k, ns, name);
    else if (KIND_OF[resource] && WORKLOAD_KINDS.includes(KIND_OF[resource]!)) text = describeWorkload(k, `${KIND_OF[resource]}/${ns}/${name}`, now);
    else return fail(`error: podlab's kubectl describes pods, services and workloads (not ${resource}); try kubectl get ${resource} ${name} -o yaml`);
    if (text === undefined) errs.push(`Error from server (NotFound): ${QUALIFIED[resource] ?? resource} "${name}" not found`);
    else out.push(text);
  }
  return { stdout: out.join('\n\n'), stderr: errs.map((e) => `${e}\n`).join(''), code: errs.length ? 1 : 0 };
}
