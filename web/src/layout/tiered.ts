/**
 * Deterministic tiered placement, the way network diagrams are drawn by hand: one row band
 * per tier (spine on top, pods at the bottom), racks and floors as side-by-side columns so a
 * rack's ToR, switch and servers stack inside one box, and inside a column the nodes ordered
 * by the mean position of their neighbours above (one barycentre sweep, no force simulation,
 * so the same topology always gets the same picture). Linear-ish in nodes + links.
 */
import type { ViewModel, ViewNode } from '../domain/view-model.ts';
import { naturalCompare } from '../domain/view-model.ts';
import { DEFAULT_LAYOUT, type GroupBox, type Layout, type LayoutOptions, type Point } from './types.ts';

interface Column {
  readonly key: string;
  readonly floor?: string;
  readonly label: string;
  cols: number;
  x: number;
  readonly perTier: Map<number, ViewNode[]>;
}

const UNGROUPED = '';

/** Places every node of the view model; `overrides` (dragged positions) replace computed centres. */
export function layoutTiered(vm: ViewModel, opts: LayoutOptions = DEFAULT_LAYOUT, overrides?: ReadonlyMap<string, Point>): Layout {
  const pitchX = opts.nodeW + opts.gapX;
  const pitchY = opts.nodeH + opts.gapY;
  const tiers = [...new Set(vm.nodes.map((n) => n.tier))].sort((a, b) => a - b);

  // Columns: one per group; ungrouped nodes of tiers that also hold groups get a column of their own.
  const columns = new Map<string, Column>();
  const ungroupedByTier = new Map<number, ViewNode[]>();
  for (const n of vm.nodes) {
    if (n.group === undefined) {
      push(ungroupedByTier, n.tier, n);
      continue;
    }
    let c = columns.get(n.group);
    if (!c) {
      const label = n.rack ?? `floor ${n.floor}`;
      c = { key: n.group, label, cols: 0, x: 0, perTier: new Map(), ...(n.floor !== undefined ? { floor: n.floor } : {}) };
      columns.set(n.group, c);
    }
    push(c.perTier, n.tier, n);
  }
  const groupedTiers = new Set<number>();
  for (const c of columns.values()) for (const t of c.perTier.keys()) groupedTiers.add(t);
  const spread = new Map<number, ViewNode[]>(); // tiers drawn as full-width rows
  for (const [t, list] of ungroupedByTier) {
    if (!groupedTiers.has(t)) spread.set(t, list);
    else {
      let c = columns.get(UNGROUPED);
      if (!c) columns.set(UNGROUPED, (c = { key: UNGROUPED, label: '', cols: 0, x: 0, perTier: new Map() }));
      c.perTier.set(t, list);
    }
  }
  const ordered = [...columns.values()].sort((a, b) =>
    (a.key === UNGROUPED ? 1 : 0) - (b.key === UNGROUPED ? 1 : 0) || naturalCompare(a.floor ?? '', b.floor ?? '') || naturalCompare(a.key, b.key));

  // Column widths and x offsets.
  let x = 0;
  for (const c of ordered) {
    let most = 1;
    for (const l of c.perTier.values()) most = Math.max(most, l.length);
    c.cols = Math.min(opts.maxPerGroupRow, most);
    c.x = x;
    x += c.cols * pitchX + opts.groupGap;
  }
  const groupedWidth = ordered.length ? x - opts.groupGap : 0;
  let spreadWidth = 0;
  for (const l of spread.values()) spreadWidth = Math.max(spreadWidth, Math.min(opts.maxPerRow, l.length) * pitchX);
  const width = Math.max(groupedWidth, spreadWidth);
  const shift = (width - groupedWidth) / 2;
  for (const c of ordered) c.x += shift;

  // Tier bands: as many rows as the fullest column (or spread row) of the tier needs.
  const tierY = new Map<number, number>();
  const tierRows = new Map<number, number>();
  let y = opts.nodeH / 2;
  for (const t of tiers) {
    let rows = 1;
    for (const c of ordered) rows = Math.max(rows, Math.ceil((c.perTier.get(t)?.length ?? 0) / opts.maxPerGroupRow));
    const s = spread.get(t);
    if (s) rows = Math.max(rows, Math.ceil(s.length / opts.maxPerRow));
    tierY.set(t, y);
    tierRows.set(t, rows);
    y += rows * pitchY;
  }
  const height = y - pitchY + opts.nodeH / 2 + opts.nodeH / 2;

  const adj = adjacency(vm);
  const pos = new Map<string, Point>();
  const place = (list: ViewNode[], left: number, cols: number, top: number): void => {
    const sorted = byBarycentre(list, adj, pos);
    for (let i = 0; i < sorted.length; i++) {
      const row = Math.floor(i / cols);
      const inRow = Math.min(cols, sorted.length - row * cols);
      const span = inRow * pitchX;
      const colLeft = left + (cols * pitchX - span) / 2;
      pos.set(sorted[i]!.id, { x: colLeft + (i % cols) * pitchX + opts.nodeW / 2, y: top + row * pitchY });
    }
  };
  for (const t of tiers) {
    const top = tierY.get(t)!;
    for (const c of ordered) {
      const list = c.perTier.get(t);
      if (list) place(list, c.x, c.cols, top);
    }
    const s = spread.get(t);
    if (s) {
      const cols = Math.min(opts.maxPerRow, s.length);
      place(s, (width - cols * pitchX) / 2, cols, top);
    }
  }
  if (overrides) for (const [id, p] of overrides) if (pos.has(id)) pos.set(id, p);

  return { positions: pos, groups: groupBoxes(ordered, tierY, tierRows, opts, pos, overrides !== undefined), width, height };
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

function groupBoxes(cols: readonly Column[], tierY: Map<number, number>, tierRows: Map<number, number>, o: LayoutOptions,
  pos: Map<string, Point>, dragged: boolean): GroupBox[] {
  const pad = 14;
  const pitchY = o.nodeH + o.gapY;
  const out: GroupBox[] = [];
  const floors = new Map<string, { x0: number; y0: number; x1: number; y1: number }>();
  for (const c of cols) {
    if (c.key === UNGROUPED) continue;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    if (dragged) {
      // Boxes follow dragged members.
      for (const l of c.perTier.values()) for (const n of l) {
        const p = pos.get(n.id)!;
        x0 = Math.min(x0, p.x - o.nodeW / 2); x1 = Math.max(x1, p.x + o.nodeW / 2);
        y0 = Math.min(y0, p.y - o.nodeH / 2); y1 = Math.max(y1, p.y + o.nodeH / 2);
      }
    } else {
      const ts = [...c.perTier.keys()];
      const first = Math.min(...ts);
      const last = Math.max(...ts);
      const rowsUsed = Math.ceil(c.perTier.get(last)!.length / o.maxPerGroupRow);
      x0 = c.x; x1 = c.x + c.cols * (o.nodeW + o.gapX) - o.gapX;
      y0 = tierY.get(first)! - o.nodeH / 2;
      y1 = tierY.get(last)! + (rowsUsed - 1) * pitchY + o.nodeH / 2;
      void tierRows;
    }
    const box = { x0: x0 - pad, y0: y0 - pad - 14, x1: x1 + pad, y1: y1 + pad };
    const isFloor = c.key.startsWith('floor:');
    out.push({ kind: isFloor ? 'floor' : 'rack', id: c.key, label: c.label, x: box.x0, y: box.y0, w: box.x1 - box.x0, h: box.y1 - box.y0 });
    if (c.floor !== undefined && !isFloor) {
      const f = floors.get(c.floor);
      if (!f) floors.set(c.floor, { ...box });
      else { f.x0 = Math.min(f.x0, box.x0); f.y0 = Math.min(f.y0, box.y0); f.x1 = Math.max(f.x1, box.x1); f.y1 = Math.max(f.y1, box.y1); }
    }
  }
  for (const [floor, f] of floors) {
    if (out.some((g) => g.id === `floor:${floor}`)) continue;
    const p = 10;
    out.unshift({ kind: 'floor', id: `floor:${floor}`, label: `floor ${floor}`, x: f.x0 - p, y: f.y0 - p - 14, w: f.x1 - f.x0 + 2 * p, h: f.y1 - f.y0 + 2 * p + 14 });
  }
  return out;
}
