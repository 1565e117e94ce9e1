/**
 * A seeded mutation fuzzer over the shipped topologies and scenarios: delete keys, swap
 * types, huge numbers, bad CIDRs and addresses, deep nesting, aliases. `validate`'s loaders
 * (loadCheckedTopology, loadScenario) must return problems for every mutant, never throw.
 * Deterministic (same seed, same files) and bounded in time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadCheckedTopology, loadScenario } from '../../engine/scenario/format.ts';

const SEED = 0x9e3779b9;
const MUTANTS_PER_FILE = 20;

/** mulberry32: a small seeded PRNG, so a failure reproduces from its index. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const WEIRD: Json[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53, 1e308, -1e308, 4294967296, '', 'x', 'a'.repeat(300), [], {}, [[]], { a: { b: {} } },
  '10.0.0.0/99', '1.2.3.4/', '1.2.3.4/-1', '10.0.0.0/32/1', '10.0.0.0/1e1', '10.0.0.0/0x10', '999.1.1.1', '10.0.0.1/33', '::/200', '0.0.0.0/0',
  'eth0', 'a:b:c', '../../etc/passwd', '-1s', '1e9s', 'Sometimes', 'all()', '!!!', '\u0000', '${x}',
];

/** Every (container, key) pair in the document, so a mutation can pick any place. */
function slots(v: Json, out: [Json[] | { [k: string]: Json }, string | number][] = [], depth = 0): typeof out {
  if (depth > 40) return out;
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([v, i]); slots(x, out, depth + 1); });
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) { out.push([v, k]); slots(v[k]!, out, depth + 1); }
  return out;
}

function mutate(doc: Json, r: () => number): Json {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const all = slots(doc);
    if (!all.length) return doc;
    const [c, k] = pick(all);
    const get = (): Json => (c as Record<string | number, Json>)[k]!;
    const set = (v: Json): void => { (c as Record<string | number, Json>)[k] = v; };
    switch (Math.floor(r() * 8)) {
      case 0: // delete the key (or the list item)
        if (Array.isArray(c)) c.splice(k as number, 1); else delete c[k as string];
        break;
      case 1: // swap the type
      case 2:
        set(pick(WEIRD));
        break;
      case 3: { // huge or odd numbers where numbers are
        const v = get();
        set(typeof v === 'number' ? pick([v * 1e9, -v, v + 0.5, 2 ** 64, Number.MAX_SAFE_INTEGER]) : pick([2 ** 31, 65536, 1e21]));
        break;
      }
      case 4: { // bad CIDRs and addresses where strings look like them
        const v = get();
        if (typeof v === 'string' && /\d+\.\d+/.test(v)) set(v.replace(/\/\d+$/, '') + pick(['/99', '/', '/-1', '/32/1', '/1e1', '/0x10', '.1', '']));
        else set(pick(['10.0.0.0/99', '300.0.0.1', 'fe80::/129']));
        break;
      }
      case 5: { // deep nesting
        let v = get();
        const levels = pick([10, 70, 120]);
        for (let d = 0; d < levels; d++) v = r() < 0.5 ? [v] : { x: v };
        set(v);
        break;
      }
      case 6: // duplicate an entry of a list
        if (Array.isArray(c)) c.push(structuredClone(get()));
        else set([get(), get()]);
        break;
      default: // a list where a map was, and the other way round
        set(Array.isArray(get()) ? { a: get() } : [get()]);
    }
  }
  return doc;
}

/** Text-level damage the structural mutations cannot make: cuts, stray characters, aliases, moved indentation. */
function mutateText(text: string, r: () => number): string {
  const lines = text.split('\n');
  const at = Math.floor(r() * lines.length);
  switch (Math.floor(r() * 5)) {
    case 0: return text.slice(0, Math.floor(r() * text.length)); // truncated file
    case 1: lines[at] = ` ${lines[at]}`; break; // indentation off by one
    case 2: lines[at] = lines[at]!.replace(/: (.+)$/, ': *nowhere'); break; // an alias to no anchor
    case 3: lines[at] = lines[at]!.replace(/: (.+)$/, ': &a [*a]'); break; // an alias cycle
    default: { // a stray YAML character
      const i = Math.floor(r() * text.length);
      return text.slice(0, i) + ['{', '[', ':', '&', '*', '!', '%', '@', '`', '"', "'", '\t'][Math.floor(r() * 12)] + text.slice(i);
    }
  }
  return lines.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'podlab-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'topologies'));
mkdirSync(join(dir, 'scenarios'));
// Scenarios name their topology as ../topologies/X.yaml: the shipped ones sit beside the mutants.
for (const f of readdirSync('topologies')) writeFileSync(join(dir, 'topologies', f), readFileSync(join('topologies', f)));

describe('validate on mutated shipped files', () => {
  it(`never throws (${MUTANTS_PER_FILE} mutants per shipped file, seed ${SEED.toString(16)})`, async () => {
    const r = rng(SEED);
    const thrown: string[] = [];
    let files = 0;
    let withErrors = 0;
    const sources = [
      ...readdirSync('topologies').filter((f) => f.endsWith('.yaml')).map((f) => ({ kind: 'topology' as const, path: join('topologies', f) })),
      ...readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => ({ kind: 'scenario' as const, path: join('scenarios', f) })),
    ];
    for (const s of sources) {
      const original = readFileSync(s.path, 'utf8');
      for (let i = 0; i < MUTANTS_PER_FILE; i++) {
        const doc = mutate(parse(original) as Json, r);
        let text = stringify(doc, { aliasDuplicateObjects: false });
        if (r() < 0.25) text = mutateText(text, r);
        const file = join(dir, s.kind === 'topology' ? 'topologies' : 'scenarios', `m-${files}.yaml`);
        writeFileSync(file, text);
        files++;
        try {
          const res = s.kind === 'topology' ? await loadCheckedTopology(file) : await loadScenario(file);
          expect(Array.isArray(res.problems)).toBe(true);
          if (res.problems.some((p) => p.severity === 'error')) withErrors++;
        } catch (e) {
          thrown.push(`${s.path} mutant ${i} (${file}): ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
        }
      }
    }
    expect(thrown).toEqual([]);
    expect(files).toBe(sources.length * MUTANTS_PER_FILE);
    expect(withErrors).toBeGreaterThan(files / 4); // the mutations do break files
  });
});
