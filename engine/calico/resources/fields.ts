/**
 * Reading typed fields out of a plain manifest object while collecting problems that name
 * the field path and the manifest's location. Invalid values are errors; fields Calico does
 * not know are warnings (kubectl/calicoctl would reject them under strict decoding, but a
 * lab should keep going and say so).
 */
import { didYouMean } from '../../model/problems.ts';
import type { Location, Severity } from '../../model/types.ts';
import { AddressError, isIPv4, isIPv6, parsePrefix } from '../../net/ip.ts';
import { parseSelector, SelectorError } from '../selector/index.ts';
import type { ResourceProblem } from './types.ts';

export type Obj = Record<string, unknown>;

/** True for a plain (non-array, non-null) object. */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Describes a value the way users wrote it, for messages. */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const DURATION_UNIT_S: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Parses a Go duration (`90s`, `1m30s`) into seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return text === '0' ? 0 : undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * DURATION_UNIT_S[m[2]!]!;
  return total;
}

/**
 * Parses an AS number as numorstring.ASNumber does: an integer 1..4294967295, or the
 * "asdot" form `a.b` (a,b ≤ 65535). Returns undefined when invalid.
 */
export function parseAsNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 1 && v <= 0xffffffff ? v >>> 0 : undefined;
  if (typeof v !== 'string') return undefined;
  if (/^\d+$/.test(v)) return parseAsNumber(Number(v));
  const dot = /^(\d+)\.(\d+)$/.exec(v);
  if (dot && Number(dot[1]) <= 0xffff && Number(dot[2]) <= 0xffff) {
    const n = (Number(dot[1]) * 65536 + Number(dot[2])) >>> 0;
    return n === 0 ? undefined : n;
  }
  return undefined;
}

/** Collects problems for one manifest; every message starts with `Kind name:` and the path. */
export class FieldReader {
  readonly problems: ResourceProblem[] = [];

  constructor(
    readonly kind: string,
    public name: string,
    readonly loc: Location,
  ) {}

  private add(severity: Severity, path: string, message: string, hint?: string): void {
    const resource = `${this.kind}/${this.name}`;
    const where = this.name ? `${this.kind} '${this.name}'` : this.kind;
    const text = `${where}: ${path ? `${path}: ` : ''}${message}`;
    this.problems.push(hint === undefined
      ? { severity, loc: this.loc, message: text, resource, path }
      : { severity, loc: this.loc, message: text, hint, resource, path });
  }

  /** Records an error about the field at `path`. */
  error(path: string, message: string, hint?: string): void {
    this.add('error', path, message, hint);
  }

  /** Records a warning about the field at `path`. */
  warn(path: string, message: string, hint?: string): void {
    this.add('warning', path, message, hint);
  }

  /** Warns about keys of `obj` that are not in `known` (with a did-you-mean hint). */
  known(obj: Obj, path: string, known: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (known.includes(k)) continue;
      const guess = didYouMean(k, known);
      this.warn(join(path, k), `unknown field (ignored)`, guess ? `did you mean '${guess}'?` : `known fields: ${known.join(', ')}`);
    }
  }

  /** The object at `obj[key]`, or undefined (error when present but not a map). */
  obj(obj: Obj, key: string, path: string): Obj | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) {
      this.error(join(path, key), `expected a map, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  /** A string field; numbers are not coerced (YAML `port: 179` is not a string). */
  str(obj: Obj, key: string, path: string): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.error(join(path, key), `expected a string, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  /** A boolean field. */
  bool(obj: Obj, key: string, path: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      this.error(join(path, key), `expected true or false, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  /** An integer field within [min, max]. */
  int(obj: Obj, key: string, path: string, min: number, max: number): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.error(join(path, key), `expected an integer, got ${show(v)}`);
      return undefined;
    }
    if (v < min || v > max) {
      this.error(join(path, key), `${v} is out of range ${min}..${max}`);
      return undefined;
    }
    return v;
  }

  /** A string that must be one of `values` (exact case, as Calico's validator wants). */
  oneOf<T extends string>(obj: Obj, key: string, path: string, values: readonly T[]): T | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      const guess = typeof v === 'string' ? values.find((x) => x.toLowerCase() === v.toLowerCase()) : undefined;
      this.error(join(path, key), `${show(v)} is not one of ${values.join(', ')}`, guess ? `write '${guess}'` : undefined);
      return undefined;
    }
    return v as T;
  }

  /** An AS number (integer or asdot). */
  asn(obj: Obj, key: string, path: string): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    const n = parseAsNumber(v);
    if (n === undefined) this.error(join(path, key), `${show(v)} is not an AS number (1..4294967295 or a.b)`);
    return n;
  }

  /** A Go duration, returned in seconds. */
  duration(obj: Obj, key: string, path: string): number | undefined {
    const v = this.str(obj, key, path);
    if (v === undefined) return undefined;
    const s = parseDuration(v);
    if (s === undefined) this.error(join(path, key), `${show(v)} is not a duration (e.g. 90s, 1m30s)`);
    return s;
  }

  /** A Calico selector, syntax-checked; returns the text. */
  selector(obj: Obj, key: string, path: string): string | undefined {
    const v = this.str(obj, key, path);
    if (v === undefined) return undefined;
    try {
      parseSelector(v);
      return v;
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      this.error(join(path, key), `invalid selector: ${e.reason} at column ${e.column}`, `selector text: ${v}`);
      return undefined;
    }
  }

  /** An IP address (either family unless `family` is given). */
  ip(obj: Obj, key: string, path: string, family?: 4 | 6): string | undefined {
    const v = this.str(obj, key, path);
    if (v === undefined) return undefined;
    const ok = family === 4 ? isIPv4(v) : family === 6 ? isIPv6(v) : isIPv4(v) || isIPv6(v);
    if (!ok) {
      this.error(join(path, key), `${show(v)} is not an IPv${family ?? '4 or IPv6'} address`);
      return undefined;
    }
    return v;
  }

  /** A CIDR or bare address (either family unless given); returns the text as written. */
  cidr(obj: Obj, key: string, path: string, family?: 4 | 6): string | undefined {
    const v = this.str(obj, key, path);
    if (v === undefined) return undefined;
    try {
      const p = parsePrefix(v);
      if (family !== undefined && p.family !== family) throw new AddressError(`not IPv${family}`);
      return v;
    } catch (e) {
      if (!(e instanceof AddressError)) throw e;
      this.error(join(path, key), `${show(v)} is not an IPv${family ?? '4 or IPv6'} CIDR (${e.message})`);
      return undefined;
    }
  }

  /** A list of strings. */
  strList(obj: Obj, key: string, path: string): string[] {
    const v = obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.error(join(path, key), `expected a list, got ${show(v)}`);
      return [];
    }
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x === 'string') out.push(x);
      else this.error(`${join(path, key)}[${i}]`, `expected a string, got ${show(x)}`);
    });
    return out;
  }

  /** A list of maps (entries that are not maps are reported and dropped). */
  objList(obj: Obj, key: string, path: string): { item: Obj; path: string }[] {
    const v = obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.error(join(path, key), `expected a list, got ${show(v)}`);
      return [];
    }
    const out: { item: Obj; path: string }[] = [];
    v.forEach((x, i) => {
      const p = `${join(path, key)}[${i}]`;
      if (isObj(x)) out.push({ item: x, path: p });
      else this.error(p, `expected a map, got ${show(x)}`);
    });
    return out;
  }

  /** A map of string → string (labels, annotations). */
  stringMap(obj: Obj, key: string, path: string): Record<string, string> {
    const m = this.obj(obj, key, path);
    const out: Record<string, string> = {};
    if (!m) return out;
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') {
        // kubectl rejects unquoted numbers/booleans here while calicoctl converts them;
        // take calicoctl's side but say so.
        out[k] = String(v);
        this.warn(join(join(path, key), k), `value ${String(v)} is not a string; read as "${String(v)}"`, `quote it: "${String(v)}"`);
      } else this.error(join(join(path, key), k), `expected a string, got ${show(v)}`);
    }
    return out;
  }

  /** Checks a resource name against DNS-1123 subdomain rules (what the API server enforces). */
  checkName(name: string, path = 'metadata.name'): void {
    if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
      this.error(path, `${show(name)} is not a valid name`, 'use lower-case letters, digits, - and . (at most 253 characters)');
    }
  }
}

/** Joins a dotted path. */
export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
