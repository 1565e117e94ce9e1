/**
 * Reading a YAML document with positions. Wraps the `yaml` package's AST (maps, sequences,
 * scalars, each with a source range) and a LineCounter, and turns every mismatch between
 * what the document holds and what we expect into a located Problem instead of an exception.
 * Duplicate keys are reported here (the yaml package would only say "keys must be unique"
 * without telling which one), so `uniqueKeys` is off when parsing.
 */
import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, isPair } from 'yaml';
import type { Document, Node as YNode } from 'yaml';
import { Problems, didYouMean, shortLoc } from './problems.ts';
import { MAX_MTU, MIN_MTU } from './types.ts';
import type { Located, Location } from './types.ts';
import { YAML_MAX_ALIAS_COUNT, checkYamlLimits, parserDepthProblem } from './yaml-limits.ts';

/** A map entry with a string key. */
export interface Entry {
  readonly key: string;
  readonly keyLoc: Location;
  /** Null when the value is absent (`key:` with nothing after it). */
  readonly value: YNode | null;
  readonly valueLoc: Location;
}

/** A parsed YAML file plus the problem sink all readers report into. */
export class Source {
  readonly lines = new LineCounter();
  readonly problems = new Problems();
  readonly doc: Document.Parsed;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: false, prettyErrors: false });
    for (const e of this.doc.errors) {
      const deep = parserDepthProblem(e.message, e.pos[0]);
      if (deep) this.problems.error(this.locAt(deep.offset), deep.message, deep.hint);
      else this.problems.error(this.locAt(e.pos[0]), `YAML syntax: ${e.message}`, 'fix the YAML syntax first');
    }
    const limit = this.doc.errors.length ? undefined : checkYamlLimits(this.doc, text);
    if (limit) this.problems.error(this.locAt(limit.offset), limit.message, limit.hint);
    this.refused = limit !== undefined;
  }

  /** True when the document broke a resource limit (yaml-limits.ts): readers must not walk it. */
  readonly refused: boolean;

  /** The document's root node (null for an empty file or one that broke a limit). */
  get root(): YNode | null {
    if (this.refused) return null;
    const c = this.doc.contents;
    return c === null ? null : this.deref(c as YNode);
  }

  /** Location of a character offset. */
  locAt(offset: number): Location {
    const p = this.lines.linePos(offset);
    return { file: this.file, line: p.line, col: p.col };
  }

  /** Location where a node starts (1:1 when it has no range). */
  loc(node: YNode | null | undefined): Location {
    const start = node?.range?.[0];
    return start === undefined ? { file: this.file, line: 1, col: 1 } : this.locAt(start);
  }

  /** Follows `*alias` references to the node they name. */
  deref(node: YNode | null): YNode | null {
    let n: unknown = node;
    for (let i = 0; i < 32 && isAlias(n); i++) n = n.resolve(this.doc) ?? null;
    return (n as YNode | null) ?? null;
  }

  /** Plain JS value of a node (aliases resolved). */
  toJS(node: YNode | null): unknown {
    return node === null ? null : node.toJS(this.doc, { maxAliasCount: YAML_MAX_ALIAS_COUNT });
  }

  /**
   * Entries of a map, or undefined (with an error) when `node` is not a map. A key seen twice
   * is an error at the second occurrence; only the first is returned. `what` names the map
   * in messages ("node name", "field").
   */
  map(node: YNode | null, what: string, dupWhat = 'key'): Entry[] | undefined {
    const n = this.deref(node);
    if (n === null || (isScalar(n) && n.value === null)) return [];
    if (!isMap(n)) {
      this.problems.error(this.loc(n), `${what} must be a map (key: value lines), not ${describe(n)}`);
      return undefined;
    }
    const out: Entry[] = [];
    const seen = new Map<string, Location>();
    for (const item of n.items) {
      if (!isPair(item)) continue;
      const keyNode = item.key as YNode | null;
      const keyLoc = this.loc(keyNode);
      const keyVal = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof keyVal !== 'string' && typeof keyVal !== 'number') {
        this.problems.error(keyLoc, `${what}: keys must be plain names`);
        continue;
      }
      const key = String(keyVal);
      const first = seen.get(key);
      if (first) {
        this.problems.error(
          keyLoc,
          `duplicate ${dupWhat} '${key}' (first defined at ${shortLoc(first)})`,
          `rename or remove one of them`,
        );
        continue;
      }
      seen.set(key, keyLoc);
      const value = this.deref((item.value as YNode | null) ?? null);
      out.push({ key, keyLoc, value, valueLoc: value ? this.loc(value) : keyLoc });
    }
    return out;
  }

  /** Items of a sequence, or undefined (with an error) when `node` is not one. */
  seq(node: YNode | null, what: string): YNode[] | undefined {
    const n = this.deref(node);
    if (n === null || (isScalar(n) && n.value === null)) return [];
    if (!isSeq(n)) {
      this.problems.error(this.loc(n), `${what} must be a list (lines starting with '- '), not ${describe(n)}`);
      return undefined;
    }
    return n.items.map((i) => this.deref(i as YNode)).filter((i): i is YNode => i !== null);
  }

  /** A scalar as text (numbers and booleans are accepted and converted), or undefined with an error. */
  string(node: YNode | null, where: Location, what: string): Located<string> | undefined {
    const n = this.deref(node);
    if (isScalar(n) && n.value !== null && typeof n.value !== 'object') {
      return { value: String(n.value), loc: this.loc(n) };
    }
    this.problems.error(n ? this.loc(n) : where, `${what} must be a single value, not ${describe(n)}`);
    return undefined;
  }

  /** An integer in [min, max], or undefined with an error saying the range. */
  int(node: YNode | null, where: Location, what: string, min: number, max: number): Located<number> | undefined {
    const n = this.deref(node);
    const v = isScalar(n) ? n.value : undefined;
    const loc = n ? this.loc(n) : where;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.problems.error(loc, `${what} must be a whole number between ${min} and ${max}, not ${describe(n)}`);
      return undefined;
    }
    if (v < min || v > max) {
      this.problems.error(loc, `${what} ${v} is out of range`, `use a value between ${min} and ${max}`);
      return undefined;
    }
    return { value: v, loc };
  }

  /** A VLAN reference: an id (number) or the name of an entry of `vlans:`. */
  intOrName(node: YNode | null, where: Location, what: string): Located<number | string> | undefined {
    const n = this.deref(node);
    if (isScalar(n) && typeof n.value === 'number') return this.int(n, where, what, 1, 4094);
    return this.string(n, where, what);
  }

  /** A boolean, or undefined with an error. */
  bool(node: YNode | null, where: Location, what: string): Located<boolean> | undefined {
    const n = this.deref(node);
    if (isScalar(n) && typeof n.value === 'boolean') return { value: n.value, loc: this.loc(n) };
    this.problems.error(n ? this.loc(n) : where, `${what} must be true or false, not ${describe(n)}`);
    return undefined;
  }

  /** Warns about each entry whose key is not in `known` (typos are ignored, not fatal). */
  unknownFields(entries: readonly Entry[], known: readonly string[], context: string): void {
    for (const e of entries) {
      if (known.includes(e.key)) continue;
      const guess = didYouMean(e.key, known);
      this.problems.warn(
        e.keyLoc,
        `unknown field '${e.key}' in ${context} (ignored)`,
        guess ? `did you mean '${guess}'?` : `known fields: ${known.join(', ')}`,
      );
    }
  }
}

/** Short description of what a node is, for "must be X, not Y" messages. */
export function describe(n: YNode | null | undefined): string {
  if (n === null || n === undefined) return 'nothing';
  if (isMap(n)) return 'a map';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    if (n.value === null) return 'an empty value';
    if (typeof n.value === 'string') return `'${n.value}'`;
    return String(n.value);
  }
  return 'this';
}

/** Reads an integer MTU in the range Linux and common switches accept (68..9216). */
export function readMtu(src: Source, f: Entry): Located<number> | undefined {
  return src.int(f.value, f.valueLoc, 'mtu', MIN_MTU, MAX_MTU);
}

/** Reads a list of maps, warning about unknown fields, building each entry with `build`. */
export function readList<T>(src: Source, e: Entry, what: string, known: readonly string[], build: (fields: Entry[], loc: Location) => T | undefined): T[] | undefined {
  const items = src.seq(e.value, what);
  if (!items) return undefined;
  const out: T[] = [];
  for (const item of items) {
    const loc = src.loc(item);
    const fields = src.map(item, `each entry of ${what}`);
    if (!fields) continue;
    src.unknownFields(fields, known, `an entry of ${what}`);
    const v = build(fields, loc);
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** The entry `key`, or undefined with an error saying it is missing. */
export function required(src: Source, fields: Entry[], key: string, loc: Location, what: string): Entry | undefined {
  const f = fields.find((x) => x.key === key);
  if (!f) src.problems.error(loc, `${what} has no '${key}'`, `add \`${key}:\``);
  return f;
}
