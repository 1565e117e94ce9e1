/**
 * Small readers shared by the scenario kinds: strict maps (an unknown key is an error, since
 * a misspelt expectation field silently checking nothing is worse than a refusal), durations,
 * `node:iface` endpoints, and how a target name becomes an address.
 */
import { isScalar } from 'yaml';
import type { Node as YNode } from 'yaml';
import type { Entry, Source } from '../model/source.ts';
import { describe } from '../model/source.ts';
import { didYouMean } from '../model/problems.ts';
import type { Located, Location, Topology } from '../model/types.ts';
import { formatIPv4, isIPv4 } from '../net/ip.ts';
import type { LabDriver } from './driver.ts';
import { targetResolvers } from './registry.ts';

/** The fields of a map keyed by name; unknown keys are errors. Undefined when not a map. */
export function strictMap(src: Source, node: YNode | null, loc: Location, what: string, known: readonly string[]): Map<string, Entry> | undefined {
  if (node === null) {
    src.problems.error(loc, `${what} needs a map of settings`, `known fields: ${known.join(', ')}`);
    return undefined;
  }
  const entries = src.map(node, what);
  if (!entries) return undefined;
  const out = new Map<string, Entry>();
  for (const e of entries) {
    if (!known.includes(e.key)) {
      const guess = didYouMean(e.key, known);
      src.problems.error(e.keyLoc, `unknown field '${e.key}' in ${what}`, guess ? `did you mean '${guess}'?` : `known fields: ${known.join(', ')}`);
      continue;
    }
    out.set(e.key, e);
  }
  return out;
}

/** A required string field; reports when missing. */
export function needString(src: Source, m: Map<string, Entry>, key: string, loc: Location, what: string): Located<string> | undefined {
  const e = m.get(key);
  if (!e) {
    src.problems.error(loc, `${what} has no '${key}'`, `add \`${key}:\``);
    return undefined;
  }
  return src.string(e.value, e.valueLoc, `${what}: ${key}`);
}

/** An optional string field. */
export function optString(src: Source, m: Map<string, Entry>, key: string, what: string): Located<string> | undefined {
  const e = m.get(key);
  return e ? src.string(e.value, e.valueLoc, `${what}: ${key}`) : undefined;
}

/** An optional boolean field (undefined when absent or wrong, with an error when wrong). */
export function optBool(src: Source, m: Map<string, Entry>, key: string, what: string): boolean | undefined {
  const e = m.get(key);
  return e ? src.bool(e.value, e.valueLoc, `${what}: ${key}`)?.value : undefined;
}

/** An optional integer field in [min, max]. */
export function optInt(src: Source, m: Map<string, Entry>, key: string, what: string, min: number, max: number): number | undefined {
  const e = m.get(key);
  return e ? src.int(e.value, e.valueLoc, `${what}: ${key}`, min, max)?.value : undefined;
}

/** Parses "500ms", "2s", "1.5s", "1m" into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** A duration field ("500ms", "2s"; a bare number is refused: the unit is not obvious). */
export function readDuration(src: Source, node: YNode | null, loc: Location, what: string): number | undefined {
  const n = src.deref(node);
  const text = isScalar(n) && typeof n.value === 'string' ? n.value : undefined;
  const ms = text === undefined ? undefined : parseDuration(text);
  if (ms === undefined) {
    src.problems.error(n ? src.loc(n) : loc, `${what} must be a duration like "500ms" or "2s", not ${describe(n)}`);
  }
  return ms;
}

/** A percentage "10%" or number 0..100. */
export function readPercent(src: Source, node: YNode | null, loc: Location, what: string): number | undefined {
  const n = src.deref(node);
  const v = isScalar(n) ? n.value : undefined;
  const num = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?%$/.test(v.trim()) ? Number(v.trim().slice(0, -1)) : NaN;
  if (!(num >= 0 && num <= 100)) {
    src.problems.error(n ? src.loc(n) : loc, `${what} must be a percentage between 0 and 100 ("10%"), not ${describe(n)}`);
    return undefined;
  }
  return num;
}

/** Splits `node:iface`; undefined when the text is not of that form. */
export function splitEndpoint(text: string): { node: string; iface: string } | undefined {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1 || text.indexOf(':', i + 1) >= 0) return undefined;
  return { node: text.slice(0, i), iface: text.slice(i + 1) };
}

/** Reads an endpoint field `"node:iface"`. */
export function readEndpoint(src: Source, e: Entry, what: string): Located<{ node: string; iface: string }> | undefined {
  const s = src.string(e.value, e.valueLoc, what);
  if (!s) return undefined;
  const ep = splitEndpoint(s.value);
  if (!ep) {
    src.problems.error(s.loc, `${what} must be "node:interface" (like "floor1-tor:eth2"), not '${s.value}'`);
    return undefined;
  }
  return { value: ep, loc: s.loc };
}

/**
 * The address a target names: an IPv4 literal; `node:iface` (that interface's address);
 * a node (its first addressed interface in topology order); else what a registered resolver
 * returns. With a driver, live addresses are used (so addresses added at run time count).
 */
export function resolveTarget(target: string, topology: Topology, driver?: LabDriver): string | undefined {
  if (isIPv4(target)) return target;
  const ep = splitEndpoint(target);
  const nodeName = ep ? ep.node : target;
  const node = topology.nodes.find((n) => n.name === nodeName);
  if (node) {
    const ifaces = ep ? node.interfaces.filter((i) => i.name === ep.iface) : node.interfaces;
    const declared = ifaces.find((i) => i.address !== undefined);
    if (declared?.address) return formatIPv4(declared.address.addr);
    if (driver) {
      const live = driver.addresses(nodeName).find((a) => a.dev !== 'lo' && (!ep || a.dev === ep.iface));
      if (live) return live.addr;
    }
  }
  for (const r of targetResolvers()) {
    const a = r(target, driver, topology);
    if (a !== undefined) return a;
  }
  return undefined;
}
