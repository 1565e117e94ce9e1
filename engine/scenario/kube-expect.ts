/**
 * Kubernetes expectations: `answeredBy` — which backend answered a connection. Every pod a
 * workload creates serves its containerPorts with a server that answers with the pod's name
 * (the simulator's built-in one, socat on real runtimes), so the answer of `curl` through a
 * Service names the endpoint kube-proxy's DNAT chose. Two forms, like `output`:
 *   answeredBy: "web-*"                                  the step's own command (a curl)
 *   answeredBy: { from: client, to: svc/web:80, pods: "web-*", tries: 6, distinct: 2 }
 * `pods` is a glob or a list of them; every answer must be a running pod whose name matches.
 */
import { isMap } from 'yaml';
import type { Json } from '../events.ts';
import type { Located } from '../model/types.ts';
import { registerExpectation, StepError } from './registry.ts';
import type { StepContext } from './registry.ts';
import { clusterOf } from './calico-steps.ts';
import { needString, optInt, strictMap } from './values.ts';
import type { Source, Entry } from '../model/source.ts';

/** Where to connect: a Service (`svc/NAME`, `svc/NS/NAME`) or any target, with an optional port. */
export interface AnswerTarget {
  readonly service?: { readonly namespace: string; readonly name: string };
  readonly host?: string;
  readonly port?: number;
}

/** `answeredBy` params: the pods allowed to answer; a probe (from → to, `tries` connections) or the step's own command. */
export interface AnsweredByParams {
  readonly pods: readonly string[];
  readonly probe?: { readonly from: Located<string>; readonly to: Located<string>; readonly target: AnswerTarget; readonly tries: number; readonly distinct: number };
}

/** `svc/web:80`, `svc/prod/web`, `10.96.0.10:80`, `client` → its parts; undefined when malformed. */
export function parseAnswerTarget(text: string): AnswerTarget | undefined {
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(text)!;
  const [head, portText] = [m[1]!, m[2]];
  const port = portText !== undefined ? Number(portText) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const withPort = port !== undefined ? { port } : {};
  if (head.startsWith('svc/')) {
    const parts = head.slice(4).split('/');
    const ok = (s: string | undefined): s is string => s !== undefined && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
    if (parts.length === 1 && ok(parts[0])) return { service: { namespace: 'default', name: parts[0] }, ...withPort };
    if (parts.length === 2 && ok(parts[0]) && ok(parts[1])) return { service: { namespace: parts[0], name: parts[1] }, ...withPort };
    return undefined;
  }
  return head ? { host: head, ...withPort } : undefined;
}

/** A pod-name glob (`*`, `?`) as an anchored regular expression. */
export function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

function readPods(src: Source, e: Entry, what: string): string[] | undefined {
  const v = src.toJS(e.value);
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every((x) => typeof x === 'string' && x !== '')) {
    src.problems.error(e.valueLoc, `${what} must be a pod name or glob ("web-*"), or a list of them`);
    return undefined;
  }
  return list as string[];
}

registerExpectation<AnsweredByParams>({
  key: 'answeredBy',
  parse(src, e) {
    if (!isMap(e.value)) {
      const pods = readPods(src, e, 'answeredBy');
      return pods ? { pods } : undefined;
    }
    const m = strictMap(src, e.value, e.keyLoc, 'answeredBy', ['from', 'to', 'pods', 'tries', 'distinct']);
    if (!m) return undefined;
    const from = needString(src, m, 'from', e.keyLoc, 'answeredBy');
    const to = needString(src, m, 'to', e.keyLoc, 'answeredBy');
    const pe = m.get('pods');
    if (!pe) src.problems.error(e.keyLoc, `answeredBy has no 'pods'`, 'add `pods: "web-*"` (a glob or a list of pod names)');
    const pods = pe ? readPods(src, pe, 'answeredBy: pods') : undefined;
    const tries = optInt(src, m, 'tries', 'answeredBy', 1, 100) ?? 1;
    const distinct = optInt(src, m, 'distinct', 'answeredBy', 1, 100) ?? 1;
    if (distinct > tries) src.problems.error(m.get('distinct')!.valueLoc, `answeredBy: distinct ${distinct} needs at least as many tries (tries: ${tries})`, `add \`tries: ${distinct}\` or more`);
    const target = to ? parseAnswerTarget(to.value) : undefined;
    if (to && !target) src.problems.error(to.loc, `answeredBy: to '${to.value}' is not a target`, 'write `svc/NAME[:PORT]`, `svc/NAMESPACE/NAME[:PORT]`, or a node, pod or IP with `:PORT`');
    if (!from || !to || !pods || !target || distinct > tries) return undefined;
    return { pods, probe: { from, to, target, tries, distinct } };
  },
  check(p, ctx) {
    if (!p.probe) return;
    ctx.node(p.probe.from.value, p.probe.from.loc);
    // Services exist only once a step applies them; other targets are checked like `reachable`'s.
    if (p.probe.target.host !== undefined) ctx.target(p.probe.target.host, p.probe.to.loc);
  },
  usesStepCommand: (p) => p.probe === undefined,
  async evaluate(p, ctx) {
    const expected: Json = { pods: [...p.pods], ...(p.probe ? { tries: p.probe.tries, distinct: p.probe.distinct } : {}) };
    const running = new Set([...clusterOf(ctx.driver).pods().values()].map((x) => x.name));
    const patterns = p.pods.map(globRegExp);
    const fits = (answer: string): boolean => running.has(answer) && patterns.some((re) => re.test(answer));
    if (!p.probe) {
      const c = ctx.lastCommand;
      const text = `the step's answer came from ${p.pods.join(' or ')}`;
      if (!c) return { text, expected, observed: 'no command ran in this step', pass: false };
      const answer = firstLine(c.result.stdout);
      return { text, expected, observed: answer || `no answer (exit ${c.result.code})`, pass: c.result.code === 0 && fits(answer) };
    }
    const { from, to, tries, distinct } = p.probe;
    const text = `${from.value} → ${to.value} answered by ${p.pods.join(' or ')}${tries > 1 ? ` (${tries} connections${distinct > 1 ? `, at least ${distinct} pods` : ''})` : ''}`;
    const url = await targetUrl(p.probe.target, ctx);
    const answers: string[] = [];
    for (let i = 0; i < tries; i++) {
      const r = await ctx.exec(from.value, ['curl', '-s', '--max-time', '2', url], 'probe');
      answers.push(r.code === 0 && firstLine(r.stdout) ? firstLine(r.stdout) : `no answer (curl exit ${r.code})`);
    }
    const pass = answers.every(fits) && new Set(answers).size >= distinct;
    return { text, expected, observed: answers, pass };
  },
});

function firstLine(s: string): string {
  return s.split('\n', 1)[0]!.trim();
}

/** The URL a probe fetches: a Service's ClusterIP (read with kubectl, as a user would) or the target's address. */
async function targetUrl(t: AnswerTarget, ctx: StepContext): Promise<string> {
  if (!t.service) return `http://${ctx.resolveAddress(t.host!)}:${t.port ?? 80}/`;
  const { namespace, name } = t.service;
  const admin = clusterOf(ctx.driver).agentNodes()[0];
  if (!admin) throw new StepError('answeredBy: the cluster has no node to run kubectl on');
  const r = await ctx.exec(admin, ['kubectl', 'get', 'svc', name, '-n', namespace, '-o', 'json'], 'probe');
  if (r.code !== 0) throw new StepError(`answeredBy: no Service ${namespace}/${name} (${firstLine(r.stderr) || `kubectl exit ${r.code}`})`);
  const spec = (JSON.parse(r.stdout) as { spec?: { clusterIP?: string; ports?: { port: number; protocol?: string }[] } }).spec ?? {};
  if (!spec.clusterIP || spec.clusterIP === 'None') throw new StepError(`answeredBy: Service ${namespace}/${name} is headless (no ClusterIP to connect to); probe a pod instead`);
  const ports = spec.ports ?? [];
  const port = t.port ?? ports.find((x) => (x.protocol ?? 'TCP') === 'TCP')?.port;
  if (port === undefined) throw new StepError(`answeredBy: Service ${namespace}/${name} has no TCP port; name one with svc/${name}:PORT`);
  if (!ports.some((x) => x.port === port && (x.protocol ?? 'TCP') === 'TCP')) throw new StepError(`answeredBy: Service ${namespace}/${name} has no TCP port ${port} (ports: ${ports.map((x) => `${x.port}/${x.protocol ?? 'TCP'}`).join(', ') || 'none'})`);
  return `http://${spec.clusterIP}:${port}/`;
}
