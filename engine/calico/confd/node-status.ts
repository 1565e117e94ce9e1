/**
 * `calicoctl node status` over `show protocols` rows, following v3.30.7
 * calicoctl/commands/node/status.go: keep rows whose proto is BGP and whose name matches
 * `^(Global|Node|Mesh)_(.+)$` (so `Local_Workload_*`, kernel1, device1 never show), peer
 * address = the name's tail with `_` → `.` (`:` for IPv6), STATE/SINCE from the columns,
 * INFO = the remaining columns joined by single spaces.
 */
import { renderTable } from './tablewriter.ts';

/** One row of BIRD's `show protocols`. */
export interface ShowProtocolsRow {
  readonly name: string;
  readonly proto: string;
  readonly table: string;
  readonly state: string;
  readonly since: string;
  readonly info: string;
}

/** One peer as calicoctl prints it. */
export interface StatusPeer {
  readonly peerAddress: string;
  readonly peerType: string;
  readonly state: string;
  readonly since: string;
  readonly info: string;
}

const PEER_NAME = /^(Global|Node|Mesh)_(.+)$/;
const PEER_TYPES: Record<string, string> = { Global: 'global', Mesh: 'node-to-node mesh', Node: 'node specific' };

/**
 * BIRD 1.6's `show protocols` text: the header plus `%-8s %-8s %-8s %-5s  %-10s  %s` rows,
 * trailing blanks included (BGP's info is its state padded to 14, then the last error).
 */
export function formatShowProtocols(rows: readonly ShowProtocolsRow[]): string {
  const line = (r: ShowProtocolsRow) => `${r.name.padEnd(8)} ${r.proto.padEnd(8)} ${r.table.padEnd(8)} ${r.state.padEnd(5)}  ${r.since.padEnd(10)}  ${r.info}`;
  return `${['name     proto    table    state  since       info', ...rows.map(line)].join('\n')}\n`;
}

/** Parses `show protocols` text (birdc output, or socket output with 0001/2002/1002 codes) into rows. */
export function parseShowProtocols(text: string): ShowProtocolsRow[] {
  const rows: ShowProtocolsRow[] = [];
  for (let line of text.split('\n')) {
    if (/^(0000|0001|2002)/.test(line) || /^\s*name\s+proto\s+table/i.test(line) || /^BIRD .* ready\.$/.test(line)) continue;
    line = line.replace(/^1002-/, '').replace(/^ /, '');
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    rows.push({ name: f[0]!, proto: f[1]!, table: f[2]!, state: f[3]!, since: f[4]!, info: f.slice(5).join(' ') });
  }
  return rows;
}

/** Applies status.go's row filter and field split; `ipv` picks the address separator. */
export function statusPeers(rows: readonly ShowProtocolsRow[], ipv: 4 | 6 = 4): StatusPeer[] {
  const out: StatusPeer[] = [];
  for (const r of rows) {
    // calicoctl splits the whole row on whitespace; fewer than 6 columns is not a peer row.
    const cols = `${r.name} ${r.proto} ${r.table} ${r.state} ${r.since} ${r.info}`.trim().split(/\s+/);
    if (cols.length < 6 || cols[1] !== 'BGP') continue;
    const m = PEER_NAME.exec(cols[0]!);
    if (!m) continue;
    const rest = cols.slice(6).join(' ');
    out.push({
      peerAddress: m[2]!.replaceAll('_', ipv === 6 ? ':' : '.'),
      peerType: PEER_TYPES[m[1]!]!,
      state: cols[3]!,
      since: cols[4]!,
      info: rest ? `${cols[5]} ${rest}` : cols[5]!,
    });
  }
  return out;
}

/** The BGP side of one address family: rows, a socket error, or BIRD not running. */
export type BirdFamilyStatus =
  | { readonly rows: readonly ShowProtocolsRow[] }
  | { readonly socketError: string }
  | { readonly notRunning: true };

/** Inputs of `calicoctl node status`. */
export interface NodeStatusInput {
  /** Felix / calico-node running (else the command fails with "Calico process is not running."). */
  readonly calicoRunning?: boolean;
  readonly ipv4: BirdFamilyStatus;
  /** Default: bird6 running with no IPv6 peers (calico-node always starts bird6). */
  readonly ipv6?: BirdFamilyStatus;
}

function family(ipv: 4 | 6, s: BirdFamilyStatus): string {
  if ('notRunning' in s) return `\nINFO: BIRDv${ipv} process: '${ipv === 4 ? 'bird' : 'bird6'}' is not running.\n`;
  let out = `\nIPv${ipv} BGP status\n`;
  // status.go prints this error without a trailing newline.
  if ('socketError' in s) return `${out}Error querying BIRD: unable to connect to BIRDv${ipv} socket: ${s.socketError}`;
  const peers = statusPeers(s.rows, ipv);
  if (peers.length === 0) return `${out}No IPv${ipv} peers found.\n`;
  out += renderTable(['Peer address', 'Peer type', 'State', 'Since', 'Info'], peers.map((p) => [p.peerAddress, p.peerType, p.state, p.since, p.info]));
  return out;
}

/** The full stdout of `calicoctl node status` and its exit code. */
export function calicoctlNodeStatus(input: NodeStatusInput): { stdout: string; exitCode: number } {
  if (input.calicoRunning === false) return { stdout: 'Calico process is not running.\n', exitCode: 1 };
  const v6 = input.ipv6 ?? { rows: [] };
  let out = 'Calico process is running.\n';
  if ('notRunning' in input.ipv4 && 'notRunning' in v6) out += '\nThe BGP backend process (BIRD) is not running.\n';
  else out += family(4, input.ipv4) + family(6, v6);
  return { stdout: `${out}\n`, exitCode: 0 };
}
