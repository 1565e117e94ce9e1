/**
 * Link geometry: the SVG path between two node centres (a vertical S-curve between tiers, a
 * straight line inside one), where the interface names sit near each end, and where the
 * middle is (state labels, packet dots). Pure numbers.
 */
import type { Point } from './types.ts';

export interface LinkGeometry {
  readonly d: string;
  /** Label anchors a quarter of the way from each end. */
  readonly aLabel: Point;
  readonly bLabel: Point;
  readonly mid: Point;
}

const r = (v: number): number => Math.round(v * 10) / 10;

/** Where an end's interface label sits: just outside the node for one or two links, further along for a fan-out. */
export function labelFraction(degree: number): number {
  return degree <= 2 ? 0.2 : Math.min(0.42, 0.2 + 0.03 * degree);
}

/** A point at parameter `t` (0..1) along the link drawn by `linkGeometry`. */
export function pointOnLink(a: Point, b: Point, t: number): Point {
  if (Math.abs(a.y - b.y) < 1) return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
  // Cubic Bézier with control points straight below/above the ends.
  const my = (a.y + b.y) / 2;
  const u = 1 - t;
  const x = u * u * u * a.x + 3 * u * u * t * a.x + 3 * u * t * t * b.x + t * t * t * b.x;
  const y = u * u * u * a.y + 3 * u * u * t * my + 3 * u * t * t * my + t * t * t * b.y;
  return { x, y };
}

/**
 * Path and label anchors of a link from `a` to `b`. `aT`/`bT` place the interface labels
 * (fractions from each end); ends with many links push their labels further out, where
 * the fanned-out curves have separated.
 */
export function linkGeometry(a: Point, b: Point, aT = 0.22, bT = 0.22): LinkGeometry {
  const straight = Math.abs(a.y - b.y) < 1;
  const my = (a.y + b.y) / 2;
  const d = straight ? `M${r(a.x)},${r(a.y)}L${r(b.x)},${r(b.y)}` : `M${r(a.x)},${r(a.y)}C${r(a.x)},${r(my)} ${r(b.x)},${r(my)} ${r(b.x)},${r(b.y)}`;
  return { d, aLabel: pointOnLink(a, b, aT), bLabel: pointOnLink(a, b, 1 - bT), mid: pointOnLink(a, b, 0.5) };
}
