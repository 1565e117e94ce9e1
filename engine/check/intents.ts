/**
 * The intents file: what must hold, read with positions so every mistake is file:line:col.
 *
 * ```yaml
 * intents:
 *   - reach: { from: "ns=default", to: "app=web", port: 80 }   # every from reaches every to
 *   - isolated: { from: "app=client", to: "outside" }         # no from reaches any to
 *   - survives: link                                          # no single link failure loses a pair
 *   - maxPodsPerNode: 110                                     # IPAM holds 110 pods on every node at once
 * ```
 * Selectors (comma = and): `all` (every pod), `outside` (the topology's hosts), `node:NAME`
 * (a node's address), `ns=NAME`, `node=NAME` (pods on a node), `LABEL=VALUE`, or a pod's
 * `name`/`namespace/name`. An intents file replaces the default intents.
 */
import { readFile } from 'node:fs/promises';
import { Source } from '../model/source.ts';
import { sortProblems } from '../model/problems.ts';
import { cannotRead } from '../model/load.ts';
import type { Located, Problem } from '../model/types.ts';
import { needString, optInt, strictMap } from '../scenario/values.ts';

/** One intent as written. */
export type Intent =
  | { readonly kind: 'reach' | 'isolated'; readonly from: Located<string>; readonly to: Located<string>; readonly port?: number; readonly text: string }
  | { readonly kind: 'survives'; readonly failure: 'link' | 'node' | 'router' | 'rr'; readonly text: string; readonly loc: Located<string>['loc'] }
  | { readonly kind: 'maxPodsPerNode'; readonly pods: number; readonly text: string; readonly loc: Located<string>['loc'] };

const KINDS = ['reach', 'isolated', 'survives', 'maxPodsPerNode'];
const SURVIVES = ['link', 'node', 'router', 'rr'] as const;

/** Parses intents text (no I/O); every problem is located. */
export function parseIntents(text: string, file: string): { intents?: Intent[]; problems: Problem[] } {
  const src = new Source(file, text);
  const root = src.root;
  if (root === null) {
    if (!src.refused) src.problems.error({ file, line: 1, col: 1 }, 'the intents file is empty', 'start with `intents:` and a list');
    return { problems: sortProblems(src.problems.list) };
  }
  const top = strictMap(src, root, src.loc(root), 'an intents file', ['intents']);
  const list = top?.get('intents');
  if (top && !list) src.problems.error(src.loc(root), `the intents file has no 'intents'`, 'add `intents:` with a list of reach, isolated, survives, maxPodsPerNode');
  const intents: Intent[] = [];
  for (const item of (list ? src.seq(list.value, 'intents') : undefined) ?? []) {
    const fields = src.map(item, 'each intent');
    if (!fields) continue;
    if (fields.length !== 1) {
      src.problems.error(src.loc(item), `each intent has exactly one kind (${KINDS.join(', ')}), not ${fields.length}`, 'start a new `- ` entry for each intent');
      continue;
    }
    const f = fields[0]!;
    if (f.key === 'reach' || f.key === 'isolated') {
      const m = strictMap(src, f.value, f.keyLoc, f.key, ['from', 'to', ...(f.key === 'reach' ? ['port'] : [])]);
      if (!m) continue;
      const from = needString(src, m, 'from', f.keyLoc, f.key);
      const to = needString(src, m, 'to', f.keyLoc, f.key);
      const port = optInt(src, m, 'port', f.key, 1, 65535);
      if (!from || !to) continue;
      const text = `${f.key === 'reach' ? 'reach' : 'isolated'}: ${from.value} → ${to.value}${port ? ` port ${port}` : ''}`;
      intents.push({ kind: f.key, from, to, ...(port !== undefined ? { port } : {}), text });
    } else if (f.key === 'survives') {
      const s = src.string(f.value, f.valueLoc, 'survives');
      if (!s) continue;
      if (!(SURVIVES as readonly string[]).includes(s.value)) {
        src.problems.error(s.loc, `survives: must be one of ${SURVIVES.join(', ')}, not '${s.value}'`);
        continue;
      }
      intents.push({ kind: 'survives', failure: s.value as (typeof SURVIVES)[number], text: `survives: ${s.value}`, loc: s.loc });
    } else if (f.key === 'maxPodsPerNode') {
      const n = src.int(f.value, f.valueLoc, 'maxPodsPerNode', 1, 1_000_000);
      if (n) intents.push({ kind: 'maxPodsPerNode', pods: n.value, text: `maxPodsPerNode: ${n.value}`, loc: n.loc });
    } else {
      src.problems.error(f.keyLoc, `unknown intent '${f.key}'`, `known: ${KINDS.join(', ')}`);
    }
  }
  const problems = sortProblems(src.problems.list);
  return src.problems.hasErrors() ? { problems } : { intents, problems };
}

/** Thrown when the intents file cannot be read at all. */
export class IntentsReadError extends Error {
  override name = 'IntentsReadError';
}

/** Reads and parses an intents file; throws IntentsReadError when it cannot be read. */
export async function loadIntents(path: string): Promise<{ intents?: Intent[]; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new IntentsReadError(cannotRead(path, e));
  }
  return parseIntents(text, path);
}
