/**
 * How much work one command from the web terminal may ask of a simulated lab. The simulator
 * runs a command to its end in virtual time, synchronously: `ping -c 10000` held the event
 * loop for 14 s and every other request waited. Rather than slice the lab's tools, the API
 * refuses a command whose packet count is over a fixed budget, before it runs, saying so.
 * The count comes from the lab's own argument parsers, so it is what the command would send.
 */
import { parsePingArgs } from '../sim/apps/ping.ts';
import { parseTracerouteArgs } from '../sim/apps/traceroute.ts';
import { splitCommandLine } from '../sim/tools/argv.ts';

/** Most packets (echo requests × IP fragments) one `ping` from the API may send. */
export const PING_PACKET_BUDGET = 200;
/** Most probes (hops × queries) one `traceroute` from the API may send: real traceroute's own maximum (255 hops × 10). */
export const TRACEROUTE_PROBE_BUDGET = 2550;

/** Payload an Ethernet-MTU IPv4 fragment carries (1500 − 20). */
const FRAGMENT_PAYLOAD = 1480;

const advice = 'the simulator answers nothing else while a command runs; put a longer run in a scenario step (podlab run)';

/** Why `command` is too much for one API call (one line naming the limit), or undefined when it may run. */
export function execOverBudget(command: string): string | undefined {
  let argv: string[];
  try {
    argv = splitCommandLine(command);
  } catch {
    return undefined; // the lab's shell reports the quoting error itself
  }
  const [prog, ...args] = argv;
  try {
    if (prog === 'ping') return pingOverBudget(args);
    if (prog === 'traceroute') return tracerouteOverBudget(args);
  } catch {
    return undefined; // a usage error: the tool prints its own text
  }
  return undefined;
}

function pingOverBudget(args: readonly string[]): string | undefined {
  const o = parsePingArgs(args);
  const count = o.count ?? 4;
  const size = o.size ?? 56;
  if (!Number.isFinite(count) || !Number.isFinite(size)) return `ping: -c and -s take numbers (${args.join(' ')})`;
  const fragments = Math.max(1, Math.ceil((size + 8) / FRAGMENT_PAYLOAD));
  const packets = count * fragments;
  if (packets <= PING_PACKET_BUDGET) return undefined;
  const what = fragments > 1 ? `${count} echo requests of ${fragments} fragments each (${packets} packets)` : `${count} echo requests`;
  return `ping would send ${what}; the web terminal runs at most ${PING_PACKET_BUDGET} packets per command: lower -c${fragments > 1 ? ' or -s' : ''} (${advice})`;
}

function tracerouteOverBudget(args: readonly string[]): string | undefined {
  const o = parseTracerouteArgs(args);
  const hops = (o.maxHops ?? 30) - (o.firstHop ?? 1) + 1;
  const queries = o.queries ?? 3;
  if (!Number.isFinite(hops) || !Number.isFinite(queries)) return `traceroute: -m, -f and -q take numbers (${args.join(' ')})`;
  const probes = hops * queries;
  if (probes <= TRACEROUTE_PROBE_BUDGET) return undefined;
  return `traceroute would send ${probes} probes (${hops} hops × ${queries}); the web terminal runs at most ${TRACEROUTE_PROBE_BUDGET} per command: lower -m or -q (${advice})`;
}
