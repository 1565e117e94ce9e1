/**
 * What a heap snapshot holds, by constructor: count, self size and retained size (dominator
 * tree, weak edges ignored), and for chosen constructors the retained size behind each of
 * their fields — how bench/scale/heap.ts's snapshots are read to find what a node costs.
 *
 * Run: node --max-old-space-size=8000 --import tsx bench/scale/heap-summary.ts FILE.heapsnapshot [--per N] [--top K] [--fields Kernel,Netfilter,...]
 * (`--per N` adds a bytes-per-N column: pass the node count).
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const args = process.argv.slice(2);
const file = args.find((a) => a.endsWith('.heapsnapshot'));
if (!file) {
  process.stderr.write('heap-summary: usage: heap-summary.ts FILE.heapsnapshot [--per N] [--top K] [--fields A,B]\n');
  process.exit(2);
}
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const per = Number(opt('--per') ?? '1');
const top = Number(opt('--top') ?? '40');
const fieldsOf = new Set((opt('--fields') ?? '').split(',').filter(Boolean));

/**
 * Reads a snapshot of any size: the number arrays are scanned from the bytes (a 500-node
 * lab's snapshot is larger than the longest string V8 can make), the rest parsed as JSON.
 */
function load(path: string): Snapshot {
  const buf = readFileSync(path);
  const find = (key: string, from = 0): number => {
    const at = buf.indexOf(key, from, 'latin1');
    if (at < 0) throw new Error(`heap-summary: no ${key} in ${path}`);
    return at + key.length;
  };
  const numbers = (start: number): { values: number[]; end: number } => {
    const values: number[] = [];
    let i = start;
    let cur = -1;
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      if (c >= 48 && c <= 57) cur = (cur < 0 ? 0 : cur * 10) + (c - 48);
      else {
        if (cur >= 0) values.push(cur);
        cur = -1;
        if (c === 93) break; // ]
      }
    }
    return { values, end: i };
  };
  const metaEnd = find('"nodes":[');
  const meta = JSON.parse(`${buf.toString('utf8', 0, metaEnd - '"nodes":['.length).replace(/,\s*$/, '')}}`) as { snapshot: Snapshot['snapshot'] };
  const nodes = numbers(metaEnd);
  const edges = numbers(find('"edges":[', nodes.end));
  const stringsAt = find('"strings":[', edges.end) - 1;
  const strings = JSON.parse(buf.toString('utf8', stringsAt, buf.lastIndexOf(']') + 1)) as string[];
  return { snapshot: meta.snapshot, nodes: nodes.values, edges: edges.values, strings };
}

const s = load(file);
const nf = s.snapshot.meta.node_fields;
const ef = s.snapshot.meta.edge_fields;
const NF = nf.length;
const EF = ef.length;
const nType = nf.indexOf('type');
const nName = nf.indexOf('name');
const nSelf = nf.indexOf('self_size');
const nEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type');
const eName = ef.indexOf('name_or_index');
const eTo = ef.indexOf('to_node');
const nodeTypes = s.snapshot.meta.node_types[0];
const edgeTypes = s.snapshot.meta.edge_types[0];
const WEAK = edgeTypes.indexOf('weak');
const SHORTCUT = edgeTypes.indexOf('shortcut');
const N = s.nodes.length / NF;

const firstEdge = new Int32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += s.nodes[i * NF + nEdges]! * EF;
}
firstEdge[N] = s.edges.length;

/** The class a node is counted under. */
function classOf(i: number): string {
  const t = nodeTypes[s.nodes[i * NF + nType]!]!;
  const name = s.strings[s.nodes[i * NF + nName]!]!;
  if (t === 'object' || t === 'native') return name.split(' ')[0] || `(${t})`;
  if (t === 'closure') return '(closure)';
  if (t === 'string' || t === 'concatenated string' || t === 'sliced string') return '(string)';
  if (t === 'array') return `(array ${name})`;
  if (t === 'hidden') return `(system ${name.split(' ')[0]})`;
  return `(${t})`;
}

// Depth-first post-order from the root, then Cooper–Harvey–Kennedy dominators.
const post = new Int32Array(N).fill(-1);
const order: number[] = [];
{
  const stack: number[] = [0];
  const cursor = new Int32Array(N);
  const seen = new Uint8Array(N);
  seen[0] = 1;
  for (let i = 0; i < N; i++) cursor[i] = firstEdge[i]!;
  while (stack.length) {
    const v = stack[stack.length - 1]!;
    let pushed = false;
    while (cursor[v]! < firstEdge[v + 1]!) {
      const e = cursor[v]!;
      cursor[v] = e + EF;
      const t = s.edges[e + eType]!;
      if (t === WEAK || t === SHORTCUT) continue;
      const w = s.edges[e + eTo]! / NF;
      if (!seen[w]) {
        seen[w] = 1;
        stack.push(w);
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
}
// Predecessors (reachable only).
const predCount = new Int32Array(N + 1);
for (let v = 0; v < N; v++) {
  if (post[v] < 0) continue;
  for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
    const t = s.edges[e + eType]!;
    if (t === WEAK || t === SHORTCUT) continue;
    predCount[s.edges[e + eTo]! / NF + 1]++;
  }
}
for (let i = 0; i < N; i++) predCount[i + 1] += predCount[i]!;
const preds = new Int32Array(predCount[N]!);
{
  const fill = predCount.slice();
  for (let v = 0; v < N; v++) {
    if (post[v] < 0) continue;
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
      const t = s.edges[e + eType]!;
      if (t === WEAK || t === SHORTCUT) continue;
      const w = s.edges[e + eTo]! / NF;
      preds[fill[w]++] = v;
    }
  }
}
const idom = new Int32Array(N).fill(-1);
idom[0] = 0;
const intersect = (a: number, b: number): number => {
  while (a !== b) {
    while (post[a]! < post[b]!) a = idom[a]!;
    while (post[b]! < post[a]!) b = idom[b]!;
  }
  return a;
};
for (let changed = true; changed;) {
  changed = false;
  for (let k = order.length - 2; k >= 0; k--) {
    const v = order[k]!;
    let d = -1;
    for (let p = predCount[v]!; p < predCount[v + 1]!; p++) {
      const u = preds[p]!;
      if (idom[u]! < 0) continue;
      d = d < 0 ? u : intersect(u, d);
    }
    if (d >= 0 && idom[v] !== d) {
      idom[v] = d;
      changed = true;
    }
  }
}
const retained = new Float64Array(N);
for (let i = 0; i < N; i++) retained[i] = s.nodes[i * NF + nSelf]!;
for (const v of order) if (v !== 0 && idom[v]! >= 0) retained[idom[v]!] += retained[v]!;

const cls = new Array<string>(N);
for (let i = 0; i < N; i++) cls[i] = classOf(i);
const byClass = new Map<string, { count: number; self: number; retained: number }>();
for (let i = 0; i < N; i++) {
  if (post[i]! < 0) continue;
  const c = cls[i]!;
  const r = byClass.get(c) ?? { count: 0, self: 0, retained: 0 };
  r.count++;
  r.self += s.nodes[i * NF + nSelf]!;
  // Retained counted once per outermost instance: skip instances dominated by one of the same class.
  let d = idom[i]!;
  let nested = false;
  for (let hops = 0; d > 0 && hops < 64; hops++, d = idom[d]!) if (cls[d] === c) { nested = true; break; }
  if (!nested) r.retained += retained[i]!;
  byClass.set(c, r);
}
const total = retained[0]!;
const kb = (x: number): string => (x / 1024).toFixed(0).padStart(9);
const line = (name: string, count: number, self: number, ret: number): string =>
  `${String(count).padStart(9)} ${kb(self)} ${kb(ret)} ${((100 * ret) / total).toFixed(1).padStart(5)}% ${(ret / per).toFixed(0).padStart(9)}  ${name}`;
console.log(`${file}: ${N} nodes, ${(total / 2 ** 20).toFixed(1)} MB reachable; per = ${per}`);
console.log('    count    selfKB  retainKB   share   B/per  class (by self size)');
for (const [c, r] of [...byClass].sort((a, b) => b[1].self - a[1].self).slice(0, top)) console.log(line(c, r.count, r.self, r.retained));
console.log('    count    selfKB  retainKB   share   B/per  class (by retained size)');
for (const [c, r] of [...byClass].sort((a, b) => b[1].retained - a[1].retained).slice(0, top)) console.log(line(c, r.count, r.self, r.retained));
for (const want of fieldsOf) {
  const fields = new Map<string, { count: number; retained: number }>();
  let instances = 0;
  for (let v = 0; v < N; v++) {
    if (cls[v] !== want || post[v]! < 0) continue;
    instances++;
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += EF) {
      const w = s.edges[e + eTo]! / NF;
      if (idom[w] !== v) continue;
      const tn = edgeTypes[s.edges[e + eType]!];
      const name = tn === 'element' || tn === 'hidden' ? `[${tn}]` : String(s.strings[s.edges[e + eName]!] ?? s.edges[e + eName]);
      const key = `${name} → ${cls[w]}`;
      const r = fields.get(key) ?? { count: 0, retained: 0 };
      r.count++;
      r.retained += retained[w]!;
      fields.set(key, r);
    }
  }
  console.log(`--- ${want}: ${instances} instances, retained behind each field`);
  for (const [k, r] of [...fields].sort((a, b) => b[1].retained - a[1].retained).slice(0, top)) console.log(line(k, r.count, 0, r.retained));
}
if (args.includes('--strings')) {
  // Strings by kind and by value: the same text held many times is a candidate for sharing.
  const kinds = new Map<string, { count: number; self: number }>();
  const values = new Map<string, { count: number; self: number }>();
  for (let i = 0; i < N; i++) {
    if (post[i]! < 0) continue;
    const t = nodeTypes[s.nodes[i * NF + nType]!]!;
    if (t !== 'string' && t !== 'concatenated string' && t !== 'sliced string') continue;
    const self = s.nodes[i * NF + nSelf]!;
    const k = kinds.get(t) ?? { count: 0, self: 0 };
    k.count++;
    k.self += self;
    kinds.set(t, k);
    const v = String(s.strings[s.nodes[i * NF + nName]!]).slice(0, 60).replace(/\n/g, '\\n');
    const r = values.get(v) ?? { count: 0, self: 0 };
    r.count++;
    r.self += self;
    values.set(v, r);
  }
  console.log('--- strings by kind');
  for (const [k, r] of kinds) console.log(line(k, r.count, r.self, r.self));
  console.log('--- strings by value (first 60 characters), most bytes first');
  for (const [k, r] of [...values].sort((a, b) => b[1].self - a[1].self).slice(0, top)) console.log(line(JSON.stringify(k), r.count, r.self, r.self));
}
if (args.includes('--big')) {
  // The biggest single objects (retained), with the field that holds them: where to drill down.
  const big: number[] = [];
  for (let i = 1; i < N; i++) if (post[i]! >= 0 && retained[i]! > total / 200) big.push(i);
  console.log('--- objects retaining over 0.5 % each');
  for (const v of big.sort((a, b) => retained[b]! - retained[a]!).slice(0, top * 2)) {
    const d = idom[v]!;
    let via = '?';
    for (let e = firstEdge[d]!; e < firstEdge[d + 1]!; e += EF) if (s.edges[e + eTo]! / NF === v) { const tn = edgeTypes[s.edges[e + eType]!]; via = tn === 'element' || tn === 'hidden' ? `[${s.edges[e + eName]}]` : String(s.strings[s.edges[e + eName]!]); break; }
    console.log(line(`${cls[d]}.${via} → ${cls[v]}`, 1, s.nodes[v * NF + nSelf]!, retained[v]!));
  }
}
const inside = opt('--inside');
if (inside) {
  // What the objects of one class are made of: self sizes of everything they dominate, by class.
  const childStart = new Int32Array(N + 1);
  for (let v = 1; v < N; v++) if (idom[v]! >= 0 && post[v]! >= 0) childStart[idom[v]! + 1]++;
  for (let i = 0; i < N; i++) childStart[i + 1] += childStart[i]!;
  const children = new Int32Array(childStart[N]!);
  const fill = childStart.slice();
  for (let v = 1; v < N; v++) if (idom[v]! >= 0 && post[v]! >= 0) children[fill[idom[v]!]++] = v;
  for (const want of inside.split(',')) {
    const parts = new Map<string, { count: number; self: number }>();
    let instances = 0;
    for (let v = 0; v < N; v++) {
      if (cls[v] !== want || post[v]! < 0) continue;
      instances++;
      const stack = [v];
      while (stack.length) {
        const x = stack.pop()!;
        const t = nodeTypes[s.nodes[x * NF + nType]!]!;
        const key = t === 'string' || t === 'concatenated string' || t === 'sliced string' ? `(${t})` : cls[x]!;
        const r = parts.get(key) ?? { count: 0, self: 0 };
        r.count++;
        r.self += s.nodes[x * NF + nSelf]!;
        parts.set(key, r);
        for (let c = childStart[x]!; c < childStart[x + 1]!; c++) stack.push(children[c]!);
      }
    }
    console.log(`--- inside ${want} (${instances} instances): dominated objects by class`);
    for (const [k, r] of [...parts].sort((a, b) => b[1].self - a[1].self).slice(0, top)) console.log(line(k, r.count, r.self, r.self));
  }
}
