/**
 * `iptables -L [-n] [-v] [-x] [--line-numbers]` and `iptables -S` output, laid out like
 * iptables-nft 1.8.9 (column widths from its print_header / print_rule_details, including
 * the quirk that `-x` widens the bytes header but not the values).
 * Without -n, addresses print as "anywhere" and protocols by name; ports stay numeric.
 */
import { formatRule, listAddr, listDetails, listTargetName } from './format.ts';
import { PROTO_NAMES } from './names.ts';
import type { Chain, Rule, Ruleset, TableName } from './rules.ts';

export interface ListOptions {
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
}

const padEnd = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padStart = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** xtables_print_num: K/M/G/T above 99999 unless -x. */
function num(n: number, exact: boolean): string {
  if (exact) return `${padStart(String(n), 8)} `;
  if (n <= 99999) return `${padStart(String(n), 5)} `;
  for (const unit of ['K', 'M', 'G']) {
    n = Math.floor((n + 500) / 1000);
    if (n <= 9999) return `${padStart(String(n), 4)}${unit} `;
  }
  n = Math.floor((n + 500) / 1000);
  return `${padStart(String(n), 4)}T `;
}

function header(o: ListOptions): string {
  let s = o.lineNumbers ? 'num  ' : '';
  if (o.verbose) s += o.exact ? `${padStart('pkts', 8)} ${padStart('bytes', 10)} ` : ' pkts bytes ';
  s += 'target     prot opt';
  if (o.verbose) s += ' in     out    ';
  s += ` ${padEnd('source', 19)}  ${padEnd('destination', 19)} `;
  return s;
}

function row(r: Rule, n: number, o: ListOptions): string {
  let s = o.lineNumbers ? `${padEnd(String(n), 4)} ` : '';
  if (o.verbose) s += num(r.packets, o.exact) + num(r.bytes, o.exact);
  s += `${padEnd(listTargetName(r.target), 9)} `;
  const proto = r.proto ?? 0;
  s += (r.protoNeg ? '!' : ' ') + `${padEnd(o.numeric ? String(proto) : (proto === 0 ? 'all' : PROTO_NAMES[proto] ?? String(proto)), 4)} `;
  s += '-- ';
  if (o.verbose) {
    s += ` ${padEnd(`${r.inNeg ? '!' : ''}${r.inIface ?? '*'}`, 6)} `;
    s += `${padEnd(`${r.outNeg ? '!' : ''}${r.outIface ?? '*'}`, 6)} `;
  }
  s += (r.srcNeg ? '!' : ' ') + `${padEnd(listAddr(r.src, o.numeric), 19)} `;
  s += (r.dstNeg ? '!' : ' ') + `${padEnd(listAddr(r.dst, o.numeric), 19)} `;
  return s + listDetails(r);
}

function chainBlock(rs: Ruleset, table: TableName, c: Chain, o: ListOptions): string {
  const title = c.builtin
    ? (o.verbose ? `Chain ${c.name} (policy ${c.policy} ${c.packets} packets, ${c.bytes} bytes)` : `Chain ${c.name} (policy ${c.policy})`)
    : `Chain ${c.name} (${rs.references(table, c.name)} references)`;
  const lines = [title, header(o)];
  c.rules.forEach((r, i) => lines.push(row(r, i + 1, o)));
  return lines.join('\n') + '\n';
}

/** `iptables -L [chain]` text; throws nothing (the caller checks the chain exists). */
export function listChains(rs: Ruleset, table: TableName, chain: string | undefined, o: ListOptions): string {
  const chains = chain === undefined ? rs.orderedChains(table) : [rs.chain(table, chain)];
  return chains.map((c) => chainBlock(rs, table, c, o)).join('\n');
}

/** `iptables -S [chain [n]]` text. */
export function listRules(rs: Ruleset, table: TableName, chain?: string, ruleNum?: number): string {
  const out: string[] = [];
  const chains = chain === undefined ? rs.orderedChains(table) : [rs.chain(table, chain)];
  if (ruleNum !== undefined) {
    const r = chains[0]!.rules[ruleNum - 1];
    return r ? `${formatRule(chains[0]!.name, r)}\n` : '';
  }
  for (const c of chains) out.push(c.builtin ? `-P ${c.name} ${c.policy}` : `-N ${c.name}`);
  for (const c of chains) for (const r of c.rules) out.push(formatRule(c.name, r));
  return out.join('\n') + '\n';
}
