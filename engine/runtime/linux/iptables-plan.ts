/**
 * The iptables part of the plan, Felix's way (felix/iptables/table.go): never parse rules,
 * compare the `cali:<hash>` comments. A chain of ours whose hash list differs from the
 * desired one is rewritten whole (`:cali-X - [0:0]` flushes it under --noflush, then its
 * rules); chains of ours that are no longer wanted are flushed and deleted last; in every
 * chain we do not own (built-ins, Docker's…) our rules must be the desired inserts at the top
 * and the desired appends at the end, else all of ours there are deleted by value (the line
 * iptables-save printed, `-A` → `-D`) and put back in order. Foreign rules are never touched.
 *
 * Pure: an iptables-save view in, `iptables-restore --noflush` text and change lines out.
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

/** The restore block for one table (empty when the kernel already matches) and what it changes. */
export function planTable(name: 'filter' | 'nat', want: IptTable, have: KIptTable): { text: string; changes: DataplaneChange[] } {
  const changes: DataplaneChange[] = [];
  const decl: string[] = [];
  const body: string[] = [];
  const flushes: string[] = [];
  const deletes: string[] = [];

  for (const c of want.chains) {
    const cur = have.get(c.name);
    if (cur && sameList(cur.map((r) => r.hash), ruleHashes(c.name, c.rules))) continue;
    decl.push(`:${c.name} - [0:0]`);
    body.push(...chainLines(c.name, c.rules));
    changes.push(change('chain', cur ? 'changed' : 'added', `${name} ${c.name} (${c.rules.length} rules)`));
  }
  const wanted = new Set(want.chains.map((c) => c.name));
  for (const chain of have.keys()) {
    if (!chain.startsWith(CHAIN_PREFIX) || wanted.has(chain)) continue;
    // Flush every dead chain before deleting any: one may still jump to another.
    flushes.push(`-F ${chain}`);
    deletes.push(`-X ${chain}`);
    changes.push(change('chain', 'removed', `${name} ${chain}`));
  }

  const hooks = new Set([...have.keys()].filter((c) => !c.startsWith(CHAIN_PREFIX)));
  for (const b of [...Object.keys(want.inserts), ...Object.keys(want.appends)]) hooks.add(b);
  for (const b of hooks) {
    const ins = want.inserts[b] ?? [];
    const app = want.appends[b] ?? [];
    const rules = have.get(b) ?? [];
    const ours = rules.filter((r) => r.hash !== undefined);
    const s = hookState(rules, ruleHashes(b, ins), ruleHashes(appendsHashChain(b), app));
    if (s.top && s.end && s.stray === 0) continue;
    for (const r of ours) body.push(deleteLine(r.line));
    body.push(...insertLines(b, ins), ...appendLines(b, app));
    const op = ours.length ? 'changed' : 'added';
    if (!s.top && ins.length) changes.push(change('rule', op, `${name} ${b}: ${ins.length} cali rule(s) at the top`));
    if (!s.end && app.length) changes.push(change('rule', op, `${name} ${b}: ${app.length} cali rule(s) at the end`));
    if (!ins.length && !app.length) changes.push(change('rule', 'removed', `${name} ${b}: ${ours.length} cali rule(s)`));
    else if (s.top && s.end) changes.push(change('rule', 'removed', `${name} ${b}: ${s.stray} stale cali rule(s)`));
  }

  if (!decl.length && !body.length && !flushes.length) return { text: '', changes };
  return { text: [`*${name}`, ...decl, ...body, ...flushes, ...deletes, 'COMMIT', ''].join('\n'), changes };
}
