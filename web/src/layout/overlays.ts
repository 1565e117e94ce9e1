/**
 * Geometry of overlay lines (BGP sessions, tunnels) drawn over the physical links: a
 * quadratic arc between two node centres, bowed sideways so it does not hide the cable
 * under it, trimmed to start and end at the node boxes' edges (so an arrowhead shows).
 * Pure numbers.
 */
import type { Point } from './types.ts';

export interface ArcGeometry {
  readonly d: string;
  readonly start: Point;
  readonly end: Point;
  /** The arc's middle (t = 0.5), for a label. */
  readonly mid: Point;
}

const r = (v: number): number => Math.round(v * 10) / 10;

/** Where a ray from the centre of a w×h box towards `toward` leaves the box (the centre itself when they coincide). */
export function boxExit(c: Point, toward: Point, halfW: number, halfH: number): Point {
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const k = Math.min(dx === 0 ? Infinity : halfW / Math.abs(dx), dy === 0 ? Infinity : halfH / Math.abs(dy));
  return k >= 1 ? toward : { x: c.x + dx * k, y: c.y + dy * k };
}

/**
 * An arc from box `a` to box `b` (centres, half sizes), bowed by `bend` × their distance to
 * the left of the a→b direction (negative: to the right).
 */
export function arcGeometry(a: Point, b: Point, bend: number, halfW: number, halfH: number): ArcGeometry {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const c = { x: (a.x + b.x) / 2 - dy * bend, y: (a.y + b.y) / 2 + dx * bend };
  const start = boxExit(a, c, halfW, halfH);
  const end = boxExit(b, c, halfW, halfH);
  const mid = { x: 0.25 * start.x + 0.5 * c.x + 0.25 * end.x, y: 0.25 * start.y + 0.5 * c.y + 0.25 * end.y };
  return { d: `M${r(start.x)},${r(start.y)}Q${r(c.x)},${r(c.y)} ${r(end.x)},${r(end.y)}`, start, end, mid };
}

/** The bow of session arcs and of IPIP / VXLAN tunnel arcs (tunnels bow the other way). */
export const SESSION_BEND = 0.32;
export const TUNNEL_BEND = { ipip: -0.32, vxlan: -0.45 } as const;

/**
 * Whether the arc from `a` to `b` bowed by `bend` may cross rectangle `r`: a quadratic
 * curve lies inside the triangle of its ends and control point, so their bounding box
 * (grown by the node boxes' half sizes) is a safe test for culling.
 */
export function arcMeets(a: Point, b: Point, bend: number, r: { x0: number; y0: number; x1: number; y1: number }, halfW: number, halfH: number): boolean {
  const cx = (a.x + b.x) / 2 - (b.y - a.y) * bend;
  const cy = (a.y + b.y) / 2 + (b.x - a.x) * bend;
  return Math.max(a.x, b.x, cx) + halfW >= r.x0 && Math.min(a.x, b.x, cx) - halfW <= r.x1
    && Math.max(a.y, b.y, cy) + halfH >= r.y0 && Math.min(a.y, b.y, cy) - halfH <= r.y1;
}
