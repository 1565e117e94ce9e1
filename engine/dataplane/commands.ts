/**
 * The desired dataplane as the commands a Linux host runs: `ip`, `bridge`, `sysctl`,
 * `ipset restore` and `iptables-restore --noflush` (argv + stdin). This is the Linux driver's
 * plan for a fresh node and the reference the simulator driver is checked against: run these
 * through the simulator's own tools and you must get the state the sim driver programs.
 */
import { chainLines } from './iptables.ts';
import type { IptRule } from './iptables.ts';
import { deviceArgv, fdbArgv, neighbourArgv, routeArgv } from './render.ts';
import type { DesiredDataplane, DesiredIpset, IptTable } from './types.ts';

/** One command: argv, plus what goes to its stdin (ipset restore, iptables-restore). */
export interface Command {
  readonly argv: readonly string[];
  readonly stdin?: string;
}

/** `ipset restore -exist` input that creates, flushes and fills every set. */
export function ipsetRestoreText(sets: readonly DesiredIpset[]): string {
  const lines: string[] = [];
  for (const s of sets) {
    lines.push(`create ${s.name} ${s.type} family inet maxelem 1048576`);
    lines.push(`flush ${s.name}`);
    for (const m of s.members) lines.push(`add ${s.name} ${m}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The hash-chain name Felix uses for a built-in chain's appended rules. */
export function appendsHashChain(builtin: string): string {
  return `${builtin}*appends*`;
}

/** Inserted rules in restore form: `-I INPUT 1 …`, `-I INPUT 2 …` keeps their order at the top. */
export function insertLines(builtin: string, rules: readonly IptRule[]): string[] {
  return chainLines(builtin, rules).map((l, i) => l.replace(/^-A \S+/, `-I ${builtin} ${i + 1}`));
}

/** Appended rules in restore form, hashed as Felix hashes appends. */
export function appendLines(builtin: string, rules: readonly IptRule[]): string[] {
  return chainLines(builtin, rules, appendsHashChain(builtin));
}

/** A whole `*table … COMMIT` block programming Felix's part of a table from scratch. */
export function tableRestoreText(name: string, t: IptTable): string {
  const lines = [`*${name}`];
  for (const c of t.chains) lines.push(`:${c.name} - [0:0]`);
  for (const c of t.chains) lines.push(...chainLines(c.name, c.rules));
  for (const [b, rules] of Object.entries(t.inserts)) lines.push(...insertLines(b, rules));
  for (const [b, rules] of Object.entries(t.appends)) lines.push(...appendLines(b, rules));
  lines.push('COMMIT');
  return `${lines.join('\n')}\n`;
}

/** Every command that programs `desired` on a fresh Linux node, in dependency order. */
export function toCommands(desired: DesiredDataplane): Command[] {
  const out: Command[] = [];
  for (const d of desired.devices) for (const argv of deviceArgv(d)) out.push({ argv });
  for (const a of desired.addresses) out.push({ argv: ['ip', 'addr', 'replace', a.cidr, 'dev', a.dev] });
  for (const s of desired.sysctls) out.push({ argv: ['sysctl', '-w', `${s.key}=${s.value}`] });
  for (const n of desired.neighbours) out.push({ argv: neighbourArgv(n) });
  for (const f of desired.fdb) out.push({ argv: fdbArgv(f) });
  for (const r of desired.routes) out.push({ argv: routeArgv(r) });
  if (desired.ipsets.length) out.push({ argv: ['ipset', 'restore', '-exist'], stdin: ipsetRestoreText(desired.ipsets) });
  const text = tableRestoreText('filter', desired.iptables.filter) + tableRestoreText('nat', desired.iptables.nat);
  out.push({ argv: ['iptables-restore', '--noflush'], stdin: text });
  return out;
}
