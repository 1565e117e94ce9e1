/**
 * The iptables part of the plan, Felix's way (felix/iptables/table.go): never parse rules,
 * compare the `cali:<hash>` comments. A chain of ours whose hash list differs from the
 * desired one is rewritten whole (`:cali-X - [0:0]` flushes it under --noflush, then its
 * rules); chains of ours that are no longer wanted are flushed and deleted last; in every
 * chain we do not own (built-ins, Docker's…) our rules must be the desired inserts at the top
 * and the desired appends at the end, else all of ours there are deleted by value (the line
 * iptables-save printed, `-A` → `-D`) and put back in order. Foreign rules are never touched.
 *
 * Pure: an iptables-save view in, `iptables-restore --noflush` text and change lines out, and
 * the table as the kernel holds it once the text is restored (the driver's belief until its
 * next read): our rules carry the lines we wrote, which delete by value as well as the ones
 * iptables-save prints.
 */
import { appendLines, appendsHashChain, insertLines } from '../../dataplane/commands.ts';
import { chainLines, ruleHashes } from '../../dataplane/iptables.ts';
import type { DataplaneChange, IptTable } from '../../dataplane/types.ts';
import type { KIptRule, KIptTable } from './kernel-read.ts';

/** Felix's chain prefix: every chain named so is ours, to keep or delete. */
export const CHAIN_PREFIX = 'cali-';

const change = (kind: DataplaneChange['kind'], op: DataplaneChange['op'], object: string): DataplaneChange =>
  ({ kind, op, object, text: `${kind} ${op} ${object}` });

const sameList = (a: readonly (string | undefined)[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Where our rules sit in a chain we do not own, against where they should. */
function hookState(rules: readonly KIptRule[], insH: readonly string[], appH: readonly string[]): { top: boolean; end: boolean; stray: number } {
  const n = rules.length;
  const fits = n >= insH.length + appH.length;
  const top = fits && sameList(rules.slice(0, insH.length).map((r) => r.hash), insH);
  const end = fits && sameList(rules.slice(n - appH.length).map((r) => r.hash), appH);
  const stray = fits ? rules.slice(insH.length, n - appH.length).filter((r) => r.hash !== undefined).length : 0;
  return { top, end, stray };
}

/** `-A CHAIN spec` as printed by iptables-save → `-D CHAIN spec` (delete by value, immune to renumbering). */
function deleteLine(line: string): string {
  return line.replace(/^-A /, '-D ');
}

/** Rules as the kernel keeps them: each line in `-A CHAIN …` form with its hash. */
const asRules = (lines: readonly string[], hashes: readonly string[]): KIptRule[] => lines.map((line, i) => ({ line, hash: hashes[i]! }));

/** The restore block for one table (empty when the kernel already matches), what it changes, and the table after it. */
export function planTable(name: 'filter' | 'nat', want: IptTable, have: KIptTable): { text: string; changes: DataplaneChange[]; after: KIptTable } {
  const changes: DataplaneChange[] = [];
  const after = new Map(have);
  const decl: string[] = [];
  const body: string[] = [];
  const flushes: string[] = [];
  const deletes: string[] = [];

  for (const c of want.chains) {
    const cur = have.get(c.name);
    const hashes = ruleHashes(c.name, c.rules);
    if (cur && sameList(cur.map((r) => r.hash), hashes)) continue;
    decl.push(`:${c.name} - [0:0]`);
    const lines = chainLines(c.name, c.rules);
    body.push(...lines);
    after.set(c.name, asRules(lines, hashes));
    changes.push(change('chain', cur ? 'changed' : 'added', `${name} ${c.name} (${c.rules.length} rules)`));
  }
  const wanted = new Set(want.chains.map((c) => c.name));
  for (const chain of have.keys()) {
    if (!chain.startsWith(CHAIN_PREFIX) || wanted.has(chain)) continue;
    // Flush every dead chain before deleting any: one may still jump to another.
    flushes.push(`-F ${chain}`);
    deletes.push(`-X ${chain}`);
    after.delete(chain);
    changes.push(change('chain', 'removed', `${name} ${chain}`));
  }

  const hooks = new Set([...have.keys()].filter((c) => !c.startsWith(CHAIN_PREFIX)));
  for (const b of [...Object.keys(want.inserts), ...Object.keys(want.appends)]) hooks.add(b);
  for (const b of hooks) {
    const ins = want.inserts[b] ?? [];
    const app = want.appends[b] ?? [];
    const rules = have.get(b) ?? [];
    const ours = rules.filter((r) => r.hash !== undefined);
    const insH = ruleHashes(b, ins);
    const appH = ruleHashes(appendsHashChain(b), app);
    const s = hookState(rules, insH, appH);
    if (s.top && s.end && s.stray === 0) continue;
    for (const r of ours) body.push(deleteLine(r.line));
    const appended = appendLines(b, app);
    body.push(...insertLines(b, ins), ...appended);
    // Ours out by value, the inserts on top, the foreign rules in their order, the appends last.
    after.set(b, [...asRules(chainLines(b, ins), insH), ...rules.filter((r) => r.hash === undefined), ...asRules(appended, appH)]);
    const op = ours.length ? 'changed' : 'added';
    if (!s.top && ins.length) changes.push(change('rule', op, `${name} ${b}: ${ins.length} cali rule(s) at the top`));
    if (!s.end && app.length) changes.push(change('rule', op, `${name} ${b}: ${app.length} cali rule(s) at the end`));
    if (!ins.length && !app.length) changes.push(change('rule', 'removed', `${name} ${b}: ${ours.length} cali rule(s)`));
    else if (s.top && s.end) changes.push(change('rule', 'removed', `${name} ${b}: ${s.stray} stale cali rule(s)`));
  }

  if (!decl.length && !body.length && !flushes.length) return { text: '', changes, after: have };
  return { text: [`*${name}`, ...decl, ...body, ...flushes, ...deletes, 'COMMIT', ''].join('\n'), changes, after };
}
