/**
 * `ss` for simulated nodes: the TCP socket table in iproute2 6.1's layout when stdout is not
 * a terminal ("compact" rendering: each column as wide as its widest cell, addresses
 * right-aligned before the ':' and ports left-aligned after it, the Process column padded to
 * its header). Supported: -t -u(empty) -l -a -n -p -H -4, `state NAME`, `sport = :N`,
 * `dport = :N`. Without -n, well-known ports print as /etc/services names.
 */
import { formatIPv4 } from '../../net/ip.ts';
import type { ToolResult } from '../tools/argv.ts';
import type { SocketRow } from './stack.ts';
import type { TcpState } from './types.ts';
import { SS_STATE } from './types.ts';

/** Debian's /etc/services names for the ports a lab uses. */
const SERVICES: Record<number, string> = { 22: 'ssh', 53: 'domain', 80: 'http', 179: 'bgp', 443: 'https', 8080: 'http-alt' };

/** ss state-filter names → states. */
const STATE_NAMES: Record<string, TcpState[]> = {
  established: ['ESTABLISHED'], 'syn-sent': ['SYN_SENT'], 'syn-recv': ['SYN_RECV'], 'fin-wait-1': ['FIN_WAIT1'],
  'fin-wait-2': ['FIN_WAIT2'], 'time-wait': ['TIME_WAIT'], closed: ['CLOSED'], 'close-wait': ['CLOSE_WAIT'],
  'last-ack': ['LAST_ACK'], listening: ['LISTEN'], closing: ['CLOSING'],
  all: ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSED', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'],
  connected: ['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING'],
  synchronized: ['ESTABLISHED', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING'],
  bucket: ['SYN_RECV', 'TIME_WAIT'], big: ['ESTABLISHED', 'SYN_SENT', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSED', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'],
};

const USAGE = 'Usage: ss [ OPTIONS ]\n       ss [ OPTIONS ] [ FILTER ]\n';

/** Runs `ss ARGS` over a socket table (pid/fd of -p come from each row's owner). */
export function runSs(rows: readonly SocketRow[], args: readonly string[]): ToolResult {
  let tcp = false, udp = false, listening = false, all = false, numeric = false, procs = false, header = true;
  let states: Set<TcpState> | undefined;
  const portFilters: { side: 'sport' | 'dport'; port: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const long: Record<string, () => void> = {
        '--tcp': () => { tcp = true; }, '--udp': () => { udp = true; }, '--listening': () => { listening = true; }, '--all': () => { all = true; },
        '--numeric': () => { numeric = true; }, '--processes': () => { procs = true; }, '--no-header': () => { header = false; }, '--ipv4': () => {},
      };
      const f = long[a];
      if (!f) return { stdout: '', stderr: `ss: unrecognized option '${a}'\n${USAGE}`, code: 255 };
      f();
    } else if (a.startsWith('-') && a.length > 1) {
      for (const c of a.slice(1)) {
        switch (c) {
          case 't': tcp = true; break;
          case 'u': udp = true; break;
          case 'l': listening = true; break;
          case 'a': all = true; break;
          case 'n': numeric = true; break;
          case 'p': procs = true; break;
          case 'H': header = false; break;
          case '4': break;
          default: return { stdout: '', stderr: `ss: invalid option -- '${c}'\n${USAGE}`, code: 255 };
        }
      }
    } else if (a === 'state' || a === 'exclude') {
      const name = args[++i] ?? '';
      const st = STATE_NAMES[name];
      if (!st) return { stdout: '', stderr: `ss: wrong state name: ${name}\n`, code: 255 };
      states ??= a === 'state' ? new Set() : new Set(STATE_NAMES.all);
      for (const s of st) a === 'state' ? states.add(s) : states.delete(s);
    } else if ((a === 'sport' || a === 'dport') && args[i + 1] === '=' && /^:\d+$/.test(args[i + 2] ?? '')) {
      portFilters.push({ side: a, port: Number(args[i + 2]!.slice(1)) });
      i += 2;
    } else {
      return { stdout: '', stderr: `ss: filter "${args.slice(i).join(' ')}" is not supported by the simulator\n`, code: 255 };
    }
  }
  const explicit = states !== undefined;
  if (!states) states = new Set(all ? STATE_NAMES.all : listening ? ['LISTEN'] : STATE_NAMES.connected!.concat('TIME_WAIT'));
  const showTcp = tcp || !udp;
  const netid = !(tcp || udp) || (tcp && udp);
  const picked = showTcp ? rows.filter((r) => states!.has(r.state) && portFilters.every((f) => (f.side === 'sport' ? r.localPort : r.remotePort) === f.port)) : [];
  const singleState = explicit && states.size === 1; // ss drops the State column for one named state
  const port = (p: number): string => (numeric ? String(p) : SERVICES[p] ?? String(p));
  const cells: string[][] = [];
  if (header) cells.push(['Netid', 'State', 'Recv-Q', 'Send-Q', 'Local Address:', 'Port', 'Peer Address:', 'Port', 'Process']);
  for (const r of picked) {
    const listen = r.state === 'LISTEN';
    cells.push([
      'tcp', SS_STATE[r.state], String(r.recvQ).padEnd(6), String(r.sendQ).padEnd(6),
      `${formatIPv4(r.localAddress)}:`, port(r.localPort),
      `${listen ? '0.0.0.0' : formatIPv4(r.remoteAddress)}:`, listen ? '*' : port(r.remotePort),
      procs && r.owner ? ` users:(("${r.owner}"))` : '',
    ]);
  }
  return { stdout: render(cells, { netid, state: !singleState }), stderr: '', code: 0 };
}

/** ss's render() in compact mode: width = widest cell (+1 for columns with a " " delimiter). */
function render(cells: string[][], show: { netid: boolean; state: boolean }): string {
  const delim = ['', ' ', ' ', ' ', ' ', '', ' ', '', ''];
  const right = [false, false, false, false, true, false, true, false, false];
  const visible = [show.netid, show.state, true, true, true, true, true, true, true];
  const width = delim.map((_, c) => (visible[c] ? Math.max(...cells.map((row) => row[c]!.length)) : 0));
  let first = true;
  for (let c = 0; c < width.length; c++) {
    if (!visible[c]) continue;
    if (!first && width[c]! > 0) width[c]! += delim[c]!.length;
    if (width[c]! > 0) first = false;
  }
  let out = '';
  for (const row of cells) {
    let line = '';
    let started = false;
    for (let c = 0; c < row.length; c++) {
      if (!visible[c]) continue;
      let printed = 0;
      if (started) { line += delim[c]; printed = delim[c]!.length; }
      started = true;
      const text = row[c]!;
      if (right[c]) line += ' '.repeat(Math.max(0, width[c]! - text.length - printed)) + text;
      else line += text + ' '.repeat(Math.max(0, width[c]! - printed - text.length));
    }
    out += `${line}\n`;
  }
  return out;
}
