/**
 * Link geometry: the SVG path between two node centres (a vertical S-curve between adjacent
 * tiers, a straight line inside one tier, and a curve bowed to the side for a link that
 * skips tiers, so it does not run through the nodes between), where the interface names sit
 * near each end, and where the middle is (state labels, packet dots). Pure numbers.
 */
import type { Point } from './types.ts';

export interface LinkGeometry {
  readonly d: string;
  /** Label anchors near each end. */
  readonly aLabel: Point;
  readonly bLabel: Point;
  readonly mid: Point;
}

/** Shape options: `tierPitch` = vertical distance between adjacent tiers; `bow` = sideways reach of a tier-skipping link. */
export interface LinkShape {
  readonly tierPitch: number;
  readonly bow: number;
}

const DEFAULT_SHAPE: LinkShape = { tierPitch: 154, bow: 128 };
const r = (v: number): number => Math.round(v * 10) / 10;

/** The four Bézier points of a link (straight links have their controls on the line); what the overview canvas strokes. */
export function linkControls(a: Point, b: Point, s: LinkShape = DEFAULT_SHAPE): [Point, Point, Point, Point] {
  return controls(a, b, s);
}

function controls(a: Point, b: Point, s: LinkShape): [Point, Point, Point, Point] {
  const dy = b.y - a.y;
  if (Math.abs(dy) < 1) return [a, a, b, b];
  if (Math.abs(dy) <= s.tierPitch * 1.2) {
    const my = (a.y + b.y) / 2;
    return [a, { x: a.x, y: my }, { x: b.x, y: my }, b];
  }
  // Skips a tier: bow out sideways, towards the lower end's side (right when aligned) — the
  // same side whichever end is `a`, so a packet dot travels on the drawn curve both ways.
  const [top, bottom] = a.y < b.y ? [a, b] : [b, a];
  const side = bottom.x >= top.x ? 1 : -1;
  const off = side * Math.max(s.bow, Math.abs(b.x - a.x) * 0.25);
  return [a, { x: a.x + off, y: a.y + dy / 3 }, { x: b.x + off, y: b.y - dy / 3 }, b];
}

/** Where an end's interface label sits: just outside the node for one or two links, further along for a fan-out. */
export function labelFraction(degree: number): number {
  return degree <= 2 ? 0.2 : Math.min(0.42, 0.2 + 0.03 * degree);
}

/** A point at parameter `t` (0..1) along the link drawn by `linkGeometry`. */
export function pointOnLink(a: Point, b: Point, t: number, shape: LinkShape = DEFAULT_SHAPE): Point {
  const [p0, p1, p2, p3] = controls(a, b, shape);
  const u = 1 - t;
  const w0 = u * u * u, w1 = 3 * u * u * t, w2 = 3 * u * t * t, w3 = t * t * t;
  return { x: w0 * p0.x + w1 * p1.x + w2 * p2.x + w3 * p3.x, y: w0 * p0.y + w1 * p1.y + w2 * p2.y + w3 * p3.y };
}

/**
 * Path and label anchors of a link from `a` to `b`. `aT`/`bT` place the interface labels
 * (fractions from each end); ends with many links push their labels further out, where
 * the fanned-out curves have separated.
 */
export function linkGeometry(a: Point, b: Point, aT = 0.22, bT = 0.22, shape: LinkShape = DEFAULT_SHAPE): LinkGeometry {
  const [p0, p1, p2, p3] = controls(a, b, shape);
  const straight = p1 === p0 && p2 === p3;
  const d = straight ? `M${r(a.x)},${r(a.y)}L${r(b.x)},${r(b.y)}` : `M${r(p0.x)},${r(p0.y)}C${r(p1.x)},${r(p1.y)} ${r(p2.x)},${r(p2.y)} ${r(p3.x)},${r(p3.y)}`;
  return { d, aLabel: pointOnLink(a, b, aT, shape), bLabel: pointOnLink(a, b, 1 - bT, shape), mid: pointOnLink(a, b, 0.5, shape) };
}
