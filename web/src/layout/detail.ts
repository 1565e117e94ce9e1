/**
 * Level of detail and viewport culling for large topologies, as pure numbers (no DOM).
 *
 * A fabric of thousands of nodes cannot be an element per node, link and label: every
 * zoom step would repaint tens of thousands of SVG elements. Instead the drawing has
 * levels, picked from the zoom scale (screen pixels per layout unit):
 * - `overview`: every node box of a kind in one path, every cable of a style in one path,
 *   no text but the rack/floor titles. Zooming and panning only change the layer's
 *   transform: nothing is re-rendered.
 * - `names`: nodes that are in (or near) the viewport as their own elements with their
 *   names, their cables as their own paths; everything else is culled.
 * - `interfaces`: the same plus interface names and link states at the cable ends.
 * Pods appear from `names` on (their boxes are too small to tell apart before); node
 * addresses and roles with `interfaces`.
 * What is in view is asked of a uniform grid over node centres, and the window drawn is
 * snapped to steps of an eighth to a quarter of the viewport, so a pan re-renders a few
 * times per screen, not once per pixel.
 */
import type { LayoutOptions, Point } from './types.ts';

/** How much of the topology is drawn as separate, labelled elements. */
export type DetailLevel = 'overview' | 'names' | 'interfaces';

/** Above this many nodes the drawing switches to levels of detail; below it everything is always drawn in full. */
export const DETAIL_NODE_LIMIT = 300;

/** Zoom scale at which names become readable (12 px text ≥ 7 px on screen). */
export const NAMES_SCALE = 0.55;
/** Zoom scale at which interface names (10 px text) become readable. */
export const INTERFACES_SCALE = 0.9;

/** The level for a zoom scale and a topology size. */
export function detailLevel(scale: number, nodeCount: number): DetailLevel {
  if (nodeCount <= DETAIL_NODE_LIMIT) return 'interfaces';
  if (scale < NAMES_SCALE) return 'overview';
  return scale < INTERFACES_SCALE ? 'names' : 'interfaces';
}

/** A rectangle in layout units. */
export interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** A d3-style zoom transform: screen = layout × k + (x, y). */
export interface ViewTransform {
  readonly k: number;
  readonly x: number;
  readonly y: number;
}

/** The part of the layout the screen shows. */
export function visibleRect(t: ViewTransform, width: number, height: number): Rect {
  return { x0: -t.x / t.k, y0: -t.y / t.k, x1: (width - t.x) / t.k, y1: (height - t.y) / t.k };
}

/**
 * The window to draw in detail for a visible rectangle: snapped outwards to a grid of a
 * power of two between an eighth and a quarter of its size, so small pans and zoom steps
 * map to the same window (and the same rendered elements) until the view has moved
 * enough, and the window is at most 1.5 times the view each way (what is drawn off screen
 * still costs style and layout).
 */
export function detailWindow(v: Rect): Rect {
  const stepX = 2 ** Math.ceil(Math.log2(Math.max(1, (v.x1 - v.x0) / 8)));
  const stepY = 2 ** Math.ceil(Math.log2(Math.max(1, (v.y1 - v.y0) / 8)));
  return {
    x0: Math.floor(v.x0 / stepX) * stepX,
    y0: Math.floor(v.y0 / stepY) * stepY,
    x1: Math.ceil(v.x1 / stepX) * stepX,
    y1: Math.ceil(v.y1 / stepY) * stepY,
  };
}

/** Same window? (Rects from detailWindow compare exactly.) */
export function sameRect(a: Rect | undefined, b: Rect | undefined): boolean {
  return a === b || (!!a && !!b && a.x0 === b.x0 && a.y0 === b.y0 && a.x1 === b.x1 && a.y1 === b.y1);
}

/** A uniform grid over node centres for "which nodes are in this rectangle". */
export interface NodeGrid {
  readonly cell: number;
  readonly cells: ReadonlyMap<string, readonly string[]>;
  readonly positions: ReadonlyMap<string, Point>;
}

/** Buckets node centres into square cells of `cell` layout units. */
export function nodeGrid(positions: ReadonlyMap<string, Point>, cell: number): NodeGrid {
  const cells = new Map<string, string[]>();
  for (const [id, p] of positions) {
    const key = `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`;
    const l = cells.get(key);
    if (l) l.push(id);
    else cells.set(key, [id]);
  }
  return { cell, cells, positions };
}

/** Nodes whose box (`o.nodeW` × `o.nodeH` around the centre) meets `r`. */
export function nodesIn(g: NodeGrid, r: Rect, o: Pick<LayoutOptions, 'nodeW' | 'nodeH'>): Set<string> {
  const out = new Set<string>();
  const hw = o.nodeW / 2;
  const hh = o.nodeH / 2;
  const cx0 = Math.floor((r.x0 - hw) / g.cell);
  const cx1 = Math.floor((r.x1 + hw) / g.cell);
  const cy0 = Math.floor((r.y0 - hh) / g.cell);
  const cy1 = Math.floor((r.y1 + hh) / g.cell);
  // A window wider than the grid's extent would loop over empty cells: walk the cells instead.
  if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > g.cells.size) {
    for (const [id, p] of g.positions) if (boxMeets(p, hw, hh, r)) out.add(id);
    return out;
  }
  for (let cx = cx0; cx <= cx1; cx++) {
    for (let cy = cy0; cy <= cy1; cy++) {
      const l = g.cells.get(`${cx},${cy}`);
      if (!l) continue;
      for (const id of l) if (boxMeets(g.positions.get(id)!, hw, hh, r)) out.add(id);
    }
  }
  return out;
}

function boxMeets(p: Point, hw: number, hh: number, r: Rect): boolean {
  return p.x + hw >= r.x0 && p.x - hw <= r.x1 && p.y + hh >= r.y0 && p.y - hh <= r.y1;
}

/** Does the segment a–b (its bounding box, which holds the drawn curve's ends) meet `r`? */
export function linkMeets(a: Point, b: Point, r: Rect, bow: number): boolean {
  const x0 = Math.min(a.x, b.x) - bow;
  const x1 = Math.max(a.x, b.x) + bow;
  return x1 >= r.x0 && x0 <= r.x1 && Math.max(a.y, b.y) >= r.y0 && Math.min(a.y, b.y) <= r.y1;
}

/** What the overview draws, grouped by style so each group is one fill or stroke. */
export interface OverviewScene {
  /** Node box centres by style key (`kind role`). */
  readonly boxes: ReadonlyMap<string, readonly Point[]>;
  /** Cable Bézier points (p0, c1, c2, p3 flattened: 8 numbers a cable) by segment colour index (-1: none). */
  readonly cables: ReadonlyMap<number, Float64Array>;
  /** Rack/floor boxes and VLAN areas (with their segment index). */
  readonly groups: readonly (Rect & { readonly floor: boolean })[];
  readonly areas: readonly (Rect & { readonly segment: number })[];
}

/**
 * How much of a W × H view a picture painted at transform `from` leaves uncovered once
 * moved to `to` (0: covered, 1: off screen) — during a zoom gesture only that picture is
 * shown, so past some fraction the drawing has to be redrawn even mid-gesture.
 */
export function uncoveredFraction(from: ViewTransform, to: ViewTransform, w: number, h: number): number {
  const s = to.k / from.k;
  const x0 = to.x - s * from.x;
  const y0 = to.y - s * from.y;
  const cw = Math.max(0, Math.min(w, x0 + s * w) - Math.max(0, x0));
  const ch = Math.max(0, Math.min(h, y0 + s * h) - Math.max(0, y0));
  return 1 - (cw * ch) / (w * h);
}
