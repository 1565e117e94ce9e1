/**
 * Deterministic tiered placement, the way network diagrams are drawn by hand: one row band
 * per tier (spine on top, pods at the bottom), racks and floors as side-by-side columns so a
 * rack's ToR, switch and servers stack inside one box, and inside a column the nodes ordered
 * by the mean position of their neighbours above (one barycentre sweep, no force simulation,
 * so the same topology always gets the same picture). A fabric too wide for one line of
 * columns wraps them into several lines, each with its own tier bands, under the shared
 * top tiers (spines). Linear-ish in nodes + links.
 */
import type { ViewModel, ViewNode } from '../domain/view-model.ts';
import { naturalCompare } from '../domain/view-model.ts';
import { DEFAULT_LAYOUT, type GroupBox, type Layout, type LayoutOptions, type Point } from './types.ts';

interface Column {
  readonly key: string;
  readonly floor?: string;
  readonly label: string;
  readonly perTier: Map<number, ViewNode[]>;
  cols: number;
  x: number;
  line: number;
}

interface Line {
  readonly columns: Column[];
  width: number;
  /** Top y of each grouped tier in this line. */
  readonly tierY: Map<number, number>;
}

const UNGROUPED = '';

/** Places every node of the view model; `overrides` (dragged positions) replace computed centres. */
export function layoutTiered(vm: ViewModel, opts: LayoutOptions = DEFAULT_LAYOUT, overrides?: ReadonlyMap<string, Point>): Layout {
  const pitchX = opts.nodeW + opts.gapX;
  const pitchY = opts.nodeH + opts.gapY;
  const tiers = [...new Set(vm.nodes.map((n) => n.tier))].sort((a, b) => a - b);

  // Columns: one per group (rack, else floor).
  const columns = new Map<string, Column>();
  const ungroupedByTier = new Map<number, ViewNode[]>();
  for (const n of vm.nodes) {
    if (n.group === undefined) {
      push(ungroupedByTier, n.tier, n);
      continue;
    }
    let c = columns.get(n.group);
    if (!c) {
      c = { key: n.group, label: n.rack ?? `floor ${n.floor}`, cols: 0, x: 0, line: 0, perTier: new Map(), ...(n.floor !== undefined ? { floor: n.floor } : {}) };
      columns.set(n.group, c);
    }
    push(c.perTier, n.tier, n);
  }
  const groupedTiers = tiers.filter((t) => [...columns.values()].some((c) => c.perTier.has(t)));
  const firstG = groupedTiers.length ? groupedTiers[0]! : Infinity;
  const lastG = groupedTiers.length ? groupedTiers[groupedTiers.length - 1]! : -Infinity;
  // Ungrouped nodes of tiers above/below every group span the width; those between join a column of their own.
  const above: number[] = [];
  const below: number[] = [];
  for (const t of tiers) {
    const u = ungroupedByTier.get(t);
    if (!u) continue;
    if (t < firstG) above.push(t);
    else if (t > lastG) below.push(t);
    else {
      let c = columns.get(UNGROUPED);
      if (!c) columns.set(UNGROUPED, (c = { key: UNGROUPED, label: '', cols: 0, x: 0, line: 0, perTier: new Map() }));
      c.perTier.set(t, u);
    }
  }
  const bandTiers = tiers.filter((t) => t >= firstG && t <= lastG);
  const ordered = [...columns.values()].sort((a, b) =>
    (a.key === UNGROUPED ? 1 : 0) - (b.key === UNGROUPED ? 1 : 0) || naturalCompare(a.floor ?? '', b.floor ?? '') || naturalCompare(a.key, b.key));
  for (const c of ordered) {
    let most = 1;
    for (const l of c.perTier.values()) most = Math.max(most, l.length);
    c.cols = Math.min(opts.maxPerGroupRow, most);
  }

  // Lines of columns: wrap when one line would be much wider than the band is tall.
  const rowsOf = (c: Column, t: number): number => Math.ceil((c.perTier.get(t)?.length ?? 0) / opts.maxPerGroupRow);
  const widthOf = (cs: readonly Column[]): number => cs.reduce((w, c) => w + c.cols * pitchX, 0) + Math.max(0, cs.length - 1) * opts.groupGap;
  let spreadWidth = 0;
  for (const t of [...above, ...below]) spreadWidth = Math.max(spreadWidth, Math.min(opts.maxPerRow, ungroupedByTier.get(t)!.length) * pitchX);
  const bandRows = bandTiers.reduce((s, t) => s + Math.max(1, ...ordered.map((c) => rowsOf(c, t))), 0);
  const bandHeight = bandRows * pitchY;
  const total = widthOf(ordered);
  const target = Math.max(spreadWidth, 16 * pitchX, Math.sqrt(total * bandHeight * 3));
  const lines: Line[] = [];
  for (const c of ordered) {
    let line = lines[lines.length - 1];
    if (!line || (line.columns.length && widthOf([...line.columns, c]) > target)) lines.push((line = { columns: [], width: 0, tierY: new Map() }));
    line.columns.push(c);
    c.line = lines.length - 1;
  }
  const width = Math.max(spreadWidth, ...lines.map((l) => (l.width = widthOf(l.columns))));

  // Vertical: spread tiers above, each line's band, spread tiers below.
  const spreadY = new Map<number, number>();
  let y = opts.nodeH / 2;
  const spreadRows = (t: number): number => Math.ceil(ungroupedByTier.get(t)!.length / opts.maxPerRow);
  for (const t of above) { spreadY.set(t, y); y += spreadRows(t) * pitchY; }
  for (const line of lines) {
    for (const t of bandTiers) {
      line.tierY.set(t, y);
      y += Math.max(1, ...line.columns.map((c) => rowsOf(c, t))) * pitchY;
    }
    y += opts.groupGap;
  }
  if (lines.length) y -= opts.groupGap;
  for (const t of below) { spreadY.set(t, y); y += spreadRows(t) * pitchY; }
  const height = y - pitchY + opts.nodeH;

  for (const line of lines) {
    let x = (width - line.width) / 2;
    for (const c of line.columns) {
      c.x = x;
      x += c.cols * pitchX + opts.groupGap;
    }
  }

  const adj = adjacency(vm);
  const pos = new Map<string, Point>();
  const place = (list: readonly ViewNode[], left: number, cols: number, top: number): void => {
    const sorted = byBarycentre(list, adj, pos);
    for (let i = 0; i < sorted.length; i++) {
      const row = Math.floor(i / cols);
      const inRow = Math.min(cols, sorted.length - row * cols);
      const colLeft = left + ((cols - inRow) * pitchX) / 2;
      pos.set(sorted[i]!.id, { x: colLeft + (i % cols) * pitchX + opts.nodeW / 2, y: top + row * pitchY });
    }
  };
  const spread = (t: number): void => {
    const list = ungroupedByTier.get(t)!;
    const cols = Math.min(opts.maxPerRow, list.length);
    place(list, (width - cols * pitchX) / 2, cols, spreadY.get(t)!);
  };
  for (const t of above) spread(t);
  for (const t of bandTiers) for (const line of lines) for (const c of line.columns) {
    const list = c.perTier.get(t);
    if (list) place(list, c.x, c.cols, line.tierY.get(t)!);
  }
  for (const t of below) spread(t);
  if (overrides) for (const [id, p] of overrides) if (pos.has(id)) pos.set(id, p);

  return { positions: pos, groups: groupBoxes(ordered, lines, opts, pos, overrides !== undefined), width, height };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
}

function adjacency(vm: ViewModel): Map<string, string[]> {
  const adj = new Map<string, string[]>();
  for (const l of vm.links) {
    push(adj, l.a, l.b);
    push(adj, l.b, l.a);
  }
  return adj;
}

/** Nodes with placed neighbours by their neighbours' mean x; the others after them, by name. */
function byBarycentre(list: readonly ViewNode[], adj: Map<string, string[]>, pos: Map<string, Point>): ViewNode[] {
  const keyed = list.map((n) => {
    let sum = 0;
    let k = 0;
    for (const m of adj.get(n.id) ?? []) {
      const p = pos.get(m);
      if (p) { sum += p.x; k++; }
    }
    return { n, bary: k ? sum / k : Number.POSITIVE_INFINITY };
  });
  keyed.sort((a, b) => (a.bary === b.bary ? naturalCompare(a.n.id, b.n.id) : a.bary < b.bary ? -1 : 1));
  return keyed.map((k) => k.n);
}

interface Box { x0: number; y0: number; x1: number; y1: number }

function groupBoxes(cols: readonly Column[], lines: readonly Line[], o: LayoutOptions, pos: Map<string, Point>, dragged: boolean): GroupBox[] {
  const pad = 14;
  const title = 14;
  const out: GroupBox[] = [];
  // Floors: one box per floor and line (a floor's racks may wrap onto two lines).
  const floors = new Map<string, Box>();
  for (const c of cols) {
    if (c.key === UNGROUPED) continue;
    const b: Box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    if (dragged) {
      for (const l of c.perTier.values()) for (const n of l) {
        const p = pos.get(n.id)!;
        b.x0 = Math.min(b.x0, p.x - o.nodeW / 2); b.x1 = Math.max(b.x1, p.x + o.nodeW / 2);
        b.y0 = Math.min(b.y0, p.y - o.nodeH / 2); b.y1 = Math.max(b.y1, p.y + o.nodeH / 2);
      }
    } else {
      const ts = [...c.perTier.keys()];
      const first = Math.min(...ts);
      const last = Math.max(...ts);
      const tierY = lines[c.line]!.tierY;
      const rowsUsed = Math.ceil(c.perTier.get(last)!.length / o.maxPerGroupRow);
      b.x0 = c.x; b.x1 = c.x + c.cols * (o.nodeW + o.gapX) - o.gapX;
      b.y0 = tierY.get(first)! - o.nodeH / 2;
      b.y1 = tierY.get(last)! + (rowsUsed - 1) * (o.nodeH + o.gapY) + o.nodeH / 2;
    }
    const box = { x0: b.x0 - pad, y0: b.y0 - pad - title, x1: b.x1 + pad, y1: b.y1 + pad };
    const isFloor = c.key.startsWith('floor:');
    out.push({ kind: isFloor ? 'floor' : 'rack', id: c.key, label: c.label, x: box.x0, y: box.y0, w: box.x1 - box.x0, h: box.y1 - box.y0 });
    if (c.floor !== undefined && !isFloor) {
      const k = `${c.floor}\u0000${c.line}`;
      const f = floors.get(k);
      if (!f) floors.set(k, { ...box });
      else { f.x0 = Math.min(f.x0, box.x0); f.y0 = Math.min(f.y0, box.y0); f.x1 = Math.max(f.x1, box.x1); f.y1 = Math.max(f.y1, box.y1); }
    }
  }
  for (const [k, f] of floors) {
    const [floor, line] = k.split('\u0000') as [string, string];
    if (out.some((g) => g.id === `floor:${floor}`)) continue;
    const p = 10;
    out.unshift({ kind: 'floor', id: `floor:${floor}${line === '0' ? '' : `#${line}`}`, label: `floor ${floor}`, x: f.x0 - p, y: f.y0 - p - 14, w: f.x1 - f.x0 + 2 * p, h: f.y1 - f.y0 + 2 * p + 14 });
  }
  return out;
}
