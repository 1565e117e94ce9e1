/**
 * Resource limits on user YAML. The `yaml` package parses an alias bomb (`&a [x,x…]`,
 * `&b [*a,*a…]`, …) into a few hundred nodes that expand to billions, and recurses once per
 * nesting level when a document is turned into values; a hostile file then ends in a
 * ReferenceError or a RangeError (stack overflow) far from where it was read. Every user
 * file is checked here right after parsing, so those become located problems instead:
 * expanded depth (aliases followed) at most YAML_MAX_DEPTH, alias expansions counted by the
 * package's own `maxAliasCount` rule, no alias inside the node it names.
 */
import { LineCounter, isAlias, isMap, isPair, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';

/** Deepest nesting of maps and lists a user file may have, aliases expanded (shipped files use under 12). */
export const YAML_MAX_DEPTH = 64;
/** The `yaml` package's `maxAliasCount` for every user file (its default; a bomb passes it within a few resolutions). */
export const YAML_MAX_ALIAS_COUNT = 100;

/** A limit a document broke: where (character offset) and what to say. */
export interface YamlLimitProblem {
  readonly offset: number;
  readonly message: string;
  readonly hint: string;
}

/** The yaml package's message when its own recursion ran out of stack while parsing. */
const STACK_OVERFLOW = /Maximum call stack size exceeded/;

/** The problem for a parse error that is really a nesting limit (the parser overflowed), or undefined. */
export function parserDepthProblem(message: string, offset: number): YamlLimitProblem | undefined {
  if (!STACK_OVERFLOW.test(message)) return undefined;
  return { offset, message: `YAML nesting is too deep for the parser (podlab reads at most ${YAML_MAX_DEPTH} levels)`, hint: 'flatten the structure' };
}

function children(n: unknown, doc: Document.Parsed): unknown[] {
  if (isAlias(n)) {
    const t = n.resolve(doc);
    return t ? [t] : [];
  }
  if (isMap(n)) return n.items.flatMap((p) => [p.key, p.value]).filter((x) => x != null);
  if (isSeq(n)) return n.items.map((i) => (isPair(i) ? i.value : i)).filter((x) => x != null);
  if (isPair(n)) return [n.key, n.value].filter((x) => x != null);
  return [];
}

function offsetOf(n: unknown): number {
  return (n as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
}

/**
 * Height of every node with aliases followed, computed iteratively (a deep file must not
 * overflow the checker itself) and memoised (a bomb is cheap to measure). Throws the alias
 * that closes a cycle.
 */
function heights(doc: Document.Parsed): Map<unknown, number> {
  const h = new Map<unknown, number>();
  const open = new Set<unknown>();
  const root = doc.contents;
  if (root == null) return h;
  const stack: { n: unknown; kids?: unknown[] }[] = [{ n: root }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (!top.kids) {
      if (h.has(top.n)) { stack.pop(); continue; }
      top.kids = children(top.n, doc);
      open.add(top.n);
      for (const k of top.kids) {
        if (open.has(k)) throw new AliasCycle(top.n);
        if (!h.has(k)) stack.push({ n: k });
      }
      continue;
    }
    stack.pop();
    open.delete(top.n);
    let max = 0;
    for (const k of top.kids) max = Math.max(max, h.get(k) ?? 0);
    // An alias adds no level of its own: it stands where its target's value goes.
    h.set(top.n, isAlias(top.n) ? max : (isMap(top.n) || isSeq(top.n) ? max + 1 : isPair(top.n) ? max : 0));
  }
  return h;
}

class AliasCycle {
  constructor(readonly at: unknown) {}
}

/** Depth of maps and lists of a document without aliases (a tree: no memo, no cycle), by a plain walk. */
function treeDepth(root: unknown, doc: Document.Parsed): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [n, above] = stack.pop()!;
    const d = isMap(n) || isSeq(n) ? above + 1 : above;
    if (d > max) max = d;
    for (const k of children(n, doc)) stack.push([k, d]);
  }
  return max;
}

/**
 * The first limit a parsed document breaks, or undefined when it is safe to turn into values.
 * `text`, the document's source, lets a file without a `*` skip the alias checks: with no alias
 * it can be neither a bomb nor a cycle, and its depth is measured by a plain walk (a 1,000-node
 * topology: 0.1 s less per read).
 */
export function checkYamlLimits(doc: Document.Parsed, text?: string): YamlLimitProblem | undefined {
  if (text !== undefined && !text.includes('*') && (doc.contents == null || treeDepth(doc.contents, doc) <= YAML_MAX_DEPTH)) return undefined;
  let h: Map<unknown, number>;
  try {
    h = heights(doc);
  } catch (e) {
    if (!(e instanceof AliasCycle)) throw e;
    return { offset: offsetOf(e.at), message: 'a YAML alias refers to a node that contains it (a cycle)', hint: 'an alias may only name a node defined before and outside it' };
  }
  const root = doc.contents;
  if (root != null && (h.get(root) ?? 0) > YAML_MAX_DEPTH) {
    // Walk down the deepest path to the first level over the limit: that is where to point.
    let n: unknown = root;
    for (let level = 1; level <= YAML_MAX_DEPTH; ) {
      const kids = children(n, doc);
      if (!kids.length) break;
      n = kids.reduce((a, b) => ((h.get(b) ?? 0) > (h.get(a) ?? 0) ? b : a), kids[0]);
      if (isMap(n) || isSeq(n)) level++;
    }
    return { offset: offsetOf(n), message: `YAML nesting is deeper than ${YAML_MAX_DEPTH} levels`, hint: 'flatten the structure' };
  }
  try {
    doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    return {
      offset: offsetOf(firstNestedAlias(doc)),
      message: `YAML aliases expand too much (more than the ${YAML_MAX_ALIAS_COUNT} alias resolutions podlab allows: an alias bomb?)`,
      hint: 'write the values out instead of aliases of aliases',
    };
  }
  return undefined;
}

// The first alias whose target itself holds an alias: where an expansion starts to multiply.
function firstNestedAlias(doc: Document.Parsed): unknown {
  let first: unknown;
  const stack: unknown[] = doc.contents == null ? [] : [doc.contents];
  const holdsAlias = (n: unknown): boolean => {
    const s = [n];
    while (s.length) {
      const x = s.pop();
      if (isAlias(x)) return true;
      if (!isAlias(x)) s.push(...children(x, doc));
    }
    return false;
  };
  while (stack.length) {
    const n = stack.pop();
    if (isAlias(n)) {
      first ??= n;
      const t = n.resolve(doc);
      if (t && holdsAlias(t)) return n;
      continue;
    }
    stack.push(...children(n, doc).reverse());
  }
  return first;
}

/** A user YAML file that cannot be read; the message is `file:line:col: what` (and what to do). */
export class YamlFileError extends Error {
  override name = 'YamlFileError';
}

/**
 * The documents of a multi-document YAML file (`---` separated) as plain values, with the
 * same limits as every other user file; throws YamlFileError at the first syntax error or
 * broken limit, located.
 */
export function parseYamlDocuments(text: string, file: string): unknown[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  const where = (offset: number): string => {
    const p = lc.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const out: unknown[] = [];
  for (const d of docs) {
    const err = d.errors[0];
    if (err) {
      const deep = parserDepthProblem(err.message, err.pos[0]);
      throw new YamlFileError(`${where(err.pos[0])}: ${deep ? `${deep.message} — ${deep.hint}` : `YAML syntax: ${err.message.split('\n')[0]}`}`);
    }
    const bad = checkYamlLimits(d);
    if (bad) throw new YamlFileError(`${where(bad.offset)}: ${bad.message} — ${bad.hint}`);
    out.push(d.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }));
  }
  return out;
}
