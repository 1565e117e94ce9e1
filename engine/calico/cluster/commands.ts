/**
 * The Calico commands a node's shell answers: `calicoctl node status | get nodes|ippools
 * [-o wide] | ipam show [--show-blocks]` and `birdc`/`birdcl show protocols | show route
 * [all]` (BIRD 1.6 on calico-nodes, as Calico ships birdcl; BIRD 2's layout on the fabric's
 * routers). BIRD's unique-prefix abbreviations (`sh pro`, `s r a`) are accepted.
 */
import { showProtocols, showRoute } from '../../bgp/index.ts';
import { calicoctlNodeStatus } from '../confd/index.ts';
import { calicoctlGetIPPools, calicoctlGetNodes } from '../resources/index.ts';
import { bird16ProtocolRows, bird16ShowProtocols, bird16ShowRoute, BIRDCL_BANNER } from '../node/bird-views.ts';
import type { CalicoCluster } from './cluster.ts';

/** A command's result, as the sim tools return it. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });
const fail = (stderr: string, code = 1): CommandResult => ({ stdout: '', stderr, code });

/** True when `word` abbreviates one of `full` (BIRD's CLI takes unique prefixes). */
function abbrev(word: string | undefined, full: string): boolean {
  return word !== undefined && word.length > 0 && full.startsWith(word.toLowerCase());
}

/** `birdc` / `birdcl` on a node of the cluster. */
export function birdc(c: CalicoCluster, node: string, args: readonly string[]): CommandResult {
  const a = [...args];
  // -s SOCKET (calico-node: /var/run/calico/bird.ctl), -r (restricted), -v: accepted and ignored.
  while (a[0]?.startsWith('-')) {
    const f = a.shift()!;
    if (f === '-s') a.shift();
  }
  const agent = c.agents.get(node);
  const router = c.routers.get(node);
  if (!agent && !router) return fail(`Unable to connect to server control socket (/var/run/bird/bird.ctl): No such file or directory\n`);
  if (!abbrev(a[0], 'show')) return ok(`${agent ? `${BIRDCL_BANNER}\n` : ''}Unknown command or not supported in podlab (try: show protocols, show route [all])\n`);
  const all = a.slice(2).some((w) => abbrev(w, 'all'));
  if (abbrev(a[1], 'protocols')) {
    if (agent) return ok(bird16ShowProtocols(agent.speaker, agent.startedAt));
    return ok(`BIRD 2.0.12 ready.\n${showProtocols(router!.speaker)}`);
  }
  if (abbrev(a[1], 'route')) {
    const host = c.host.nodeHost(node);
    if (agent) return ok(bird16ShowRoute(agent.speaker, host.kernel.state, agent.startedAt, all));
    return ok(`BIRD 2.0.12 ready.\n${showRoute(router!.speaker, { all })}`);
  }
  return ok(`${agent ? `${BIRDCL_BANNER}\n` : ''}syntax error, unexpected ${a[1] ?? 'END'}\n`);
}

function output(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const x = args[i]!;
    if (x === '-o' || x === '--output') return args[i + 1];
    if (x.startsWith('-o')) return x.slice(2);
    if (x.startsWith('--output=')) return x.slice(9);
  }
  return undefined;
}

/**
 * `calicoctl …` on a node of the cluster, for what answers at once (node status, the nodes
 * and ippools tables, ipam show); undefined for the verbs that read or write the datastore
 * (calicoctl.ts, run through the lab's asynchronous shell).
 */
export function calicoctl(c: CalicoCluster, node: string, args: readonly string[]): CommandResult | undefined {
  const [cmd, sub, ...rest] = args;
  if (cmd === 'node' && sub === 'status') {
    const agent = c.agents.get(node);
    if (!agent) return fail('Calico process is not running.\n');
    const r = calicoctlNodeStatus(agent.speaker ? { ipv4: { rows: bird16ProtocolRows(agent.speaker, agent.startedAt) } } : { ipv4: { notRunning: true }, ipv6: { notRunning: true } });
    return { stdout: r.stdout, stderr: '', code: r.exitCode };
  }
  const view = c.view;
  if (!view) return fail('Failed to create Calico API client: the datastore is not ready\n');
  if (cmd === 'get') {
    const out = output(rest);
    const kind = (sub ?? '').toLowerCase();
    const names = rest.filter((x) => !x.startsWith('-') && x !== out);
    if (names.length || (out !== undefined && out !== 'wide')) return undefined;
    if (['node', 'nodes', 'no'].includes(kind)) return ok(calicoctlGetNodes(view.set, { wide: out === 'wide' }));
    if (['ippool', 'ippools', 'ipp', 'pool', 'pools'].includes(kind)) return ok(calicoctlGetIPPools(view.set, { wide: out === 'wide' }));
    return undefined;
  }
  if (cmd === 'ipam' && sub === 'show') {
    if (rest.length === 0) return ok(view.ipamShow);
    if (rest.length === 1 && rest[0] === '--show-blocks') return ok(view.ipamShowBlocks);
    return fail(`podlab's calicoctl ipam show supports no option but --show-blocks here (got ${rest.join(' ')})\n`);
  }
  if (['apply', 'create', 'replace', 'delete', 'patch', 'label'].includes(cmd ?? '') || (cmd === 'ipam' && (sub === 'check' || sub === 'release'))) return undefined;
  return fail(`Usage:\n  calicoctl node status\n  calicoctl get KIND [NAME] [-o wide|yaml|json] [-n NS|-A]\n  calicoctl apply|create|replace|delete -f FILE|-\n  calicoctl delete KIND NAME\n  calicoctl patch KIND NAME -p PATCH\n  calicoctl label KIND NAME key=value [--overwrite] | key --remove\n  calicoctl ipam show [--show-blocks] | check | release --ip=IP\n`);
}
