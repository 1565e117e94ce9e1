/**
 * The overview of a large topology on a canvas under the SVG (layout/overview.ts builds
 * what it draws). A zoom step repaints it with one fill or stroke per style — a few
 * thousand rectangles and curves in a handful of draw calls, culled to the viewport —
 * instead of making the browser repaint as many SVG elements. It is painted at every
 * level: zoomed out it is the drawing; zoomed in it lies under the SVG's detail window, and
 * during a gesture it is what fills the view around the moved picture of that window. Colours are the drawing's
 * CSS ones (styles.css, `.node rect`, `.link path`, `.group rect`, `.segment-area`): a
 * canvas cannot take CSS classes, so they are repeated here.
 */
import { useEffect, useRef, type RefObject } from 'react';
import { h } from '../h.ts';
import type { OverviewScene, ViewTransform } from '../../layout/detail.ts';
import { DEFAULT_LAYOUT } from '../../layout/types.ts';
import { bitmapScale, blitBitmap, sceneBounds, bitmapServes, type OverviewBitmap } from './OverviewBitmap.ts';

const NODE_FILL: Record<string, string> = { spine: '#2a2017', superspine: '#2a2017', 'k8s-node': '#172331' };
const NODE_STROKE: Record<string, string> = { router: '#e8a33d', switch: '#7a8ca3', 'k8s-node': '#3f8fd8', host: '#7fb069', spine: '#c2782a', superspine: '#c2782a' };
const SEGMENT: readonly string[] = ['#4a5866', '#5b7f9e', '#7f6c9e', '#5e9e7a', '#9e8a5b', '#9e5b7a', '#5b9e9b', '#8a9e5b'];
const AREA: readonly string[] = ['#6b7c8c', ...SEGMENT.slice(1)];
/** What the canvas paints besides boxes and cables. */
export interface CanvasOptions {
  /** Rack and floor boxes. */
  readonly groups: boolean;
  /** VLAN / L2 segment outlines. */
  readonly areas: boolean;
  /** VLAN outlines in the gesture bitmap (the toggle itself: the bitmap serves every level). */
  readonly bitmapAreas?: boolean;
}

/** Zoom scale from which the overview draws outlines, dashes and curves (a box is then ≥ 6 px high). */
const FINE_SCALE = 0.14;

/** Paints the scene for transform `t` on a canvas of `w` × `h` CSS pixels (`dpr` device pixels each). */
export function paintOverview(ctx: CanvasRenderingContext2D, scene: OverviewScene, t: ViewTransform, w: number, hgt: number, opts: CanvasOptions, dpr = globalThis.devicePixelRatio || 1): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w * dpr, hgt * dpr);
  ctx.setTransform(t.k * dpr, 0, 0, t.k * dpr, t.x * dpr, t.y * dpr);
  const v = { x0: -t.x / t.k, y0: -t.y / t.k, x1: (w - t.x) / t.k, y1: (hgt - t.y) / t.k };
  const px = 1 / t.k; // one screen pixel in layout units: lines stay visible however far out
  const inView = (x0: number, y0: number, x1: number, y1: number): boolean => x1 >= v.x0 && x0 <= v.x1 && y1 >= v.y0 && y0 <= v.y1;

  // Far out, dashes, curves and box outlines cost raster time and show nothing: below
  // FINE_SCALE racks are solid outlines, cables straight and boxes solid blocks.
  const fine = t.k >= FINE_SCALE;
  ctx.lineWidth = px;
  ctx.setLineDash(fine ? [4 * px, 3 * px] : []);
  // Zoomed in, the SVG draws racks and VLAN areas in its window: twice would darken them.
  for (const floor of opts.groups ? [true, false] : []) {
    ctx.beginPath();
    for (const g of scene.groups) if (g.floor === floor && inView(g.x0, g.y0, g.x1, g.y1)) ctx.rect(g.x0, g.y0, g.x1 - g.x0, g.y1 - g.y0);
    ctx.fillStyle = floor ? 'rgba(79,179,255,0.03)' : 'rgba(255,255,255,0.024)';
    ctx.strokeStyle = floor ? '#2f5574' : '#3a4654';
    ctx.fill();
    ctx.stroke();
  }
  if (opts.areas) {
    ctx.setLineDash(fine ? [7 * px, 4 * px] : []);
    ctx.globalAlpha = 0.75;
    for (let s = 0; s < 8; s++) {
      ctx.beginPath();
      for (const a of scene.areas) if (a.segment % 8 === s && inView(a.x0, a.y0, a.x1, a.y1)) ctx.rect(a.x0, a.y0, a.x1 - a.x0, a.y1 - a.y0);
      ctx.strokeStyle = AREA[s]!;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }
  ctx.setLineDash([]);

  // Just under a device pixel: Skia draws such strokes as hairlines, several times cheaper
  // than a 1.6-unit stroke once a long spine–leaf fan spans the screen.
  ctx.lineWidth = fine ? Math.max(1.6, 0.9 * px) : 0.9 * px;
  for (const [colour, pts] of scene.cables) {
    ctx.beginPath();
    for (let i = 0; i < pts.length; i += 8) {
      const x0 = Math.min(pts[i]!, pts[i + 6]!, pts[i + 2]!, pts[i + 4]!);
      const x1 = Math.max(pts[i]!, pts[i + 6]!, pts[i + 2]!, pts[i + 4]!);
      const y0 = Math.min(pts[i + 1]!, pts[i + 7]!);
      const y1 = Math.max(pts[i + 1]!, pts[i + 7]!);
      if (!inView(x0, y0, x1, y1)) continue;
      ctx.moveTo(pts[i]!, pts[i + 1]!);
      if (fine) ctx.bezierCurveTo(pts[i + 2]!, pts[i + 3]!, pts[i + 4]!, pts[i + 5]!, pts[i + 6]!, pts[i + 7]!);
      else ctx.lineTo(pts[i + 6]!, pts[i + 7]!);
    }
    ctx.strokeStyle = SEGMENT[Math.max(0, colour)]!;
    ctx.stroke();
  }

  const bw = DEFAULT_LAYOUT.nodeW;
  const bh = DEFAULT_LAYOUT.nodeH;
  ctx.lineWidth = Math.max(2, px);
  for (const [style, centres] of scene.boxes) {
    const [kind, role] = style.split(' ') as [string, string];
    ctx.beginPath();
    for (const c of centres) if (inView(c.x - bw / 2, c.y - bh / 2, c.x + bw / 2, c.y + bh / 2)) ctx.rect(c.x - bw / 2, c.y - bh / 2, bw, bh);
    const stroke = NODE_STROKE[role] ?? NODE_STROKE[kind] ?? '#4a5866';
    ctx.fillStyle = fine ? NODE_FILL[role] ?? NODE_FILL[kind] ?? '#1d252e' : stroke;
    ctx.fill();
    if (fine) {
      ctx.strokeStyle = stroke;
      ctx.stroke();
    }
  }
}

/** The scene painted whole into an off-screen canvas (OverviewBitmap.ts), for gestures. */
function paintBitmap(scene: OverviewScene, opts: CanvasOptions): OverviewBitmap | undefined {
  const b = sceneBounds(scene);
  const scale = bitmapScale(b);
  const image = document.createElement('canvas');
  image.width = Math.max(1, Math.ceil((b.x1 - b.x0) * scale));
  image.height = Math.max(1, Math.ceil((b.y1 - b.y0) * scale));
  const ctx = image.getContext('2d');
  if (!ctx) return undefined;
  paintOverview(ctx, scene, { k: scale, x: -b.x0 * scale, y: -b.y0 * scale }, image.width, image.height, opts, 1);
  return { image, x0: b.x0, y0: b.y0, scale };
}

/**
 * The canvas element, sized to its box (device pixels), repainted by the returned
 * function at most once per animation frame (wheel events can come faster than frames):
 * `paint` during gestures (from the bitmap while zoomed out), `paintNow` sharp.
 */
export function useOverviewCanvas(scene: OverviewScene | undefined, opts: CanvasOptions): {
  readonly canvas: RefObject<HTMLCanvasElement | null>;
  readonly paint: (t: ViewTransform) => void;
  /** Repaints at once: when a zoom gesture settles, in the same task that drops the stage's CSS transform (no frame shows one without the other). */
  readonly paintNow: (t: ViewTransform) => void;
} {
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<ViewTransform | undefined>(undefined);
  const frame = useRef(0);
  const state = useRef({ scene, opts });
  state.current = { scene, opts };
  // The gesture bitmap, made once per scene and VLAN toggle (with racks whatever the level:
  // a full paint costs tens of milliseconds, and a gesture shows it only while it lasts).
  const bitmap = useRef<{ scene: OverviewScene; areas: boolean; b: OverviewBitmap | undefined } | undefined>(undefined);
  /** The bitmap for the current scene: made when `make` (while idle), else only if already made. */
  const gestureBitmap = (make: boolean): OverviewBitmap | undefined => {
    const { scene: s, opts: o } = state.current;
    if (!s) return undefined;
    const cur = bitmap.current;
    const areas = o.bitmapAreas ?? o.areas;
    if (cur && cur.scene === s && cur.areas === areas) return cur.b;
    if (!make) return undefined;
    bitmap.current = { scene: s, areas, b: paintBitmap(s, { groups: true, areas }) };
    return bitmap.current.b;
  };
  const gesture = useRef(false);
  const draw = (): void => {
    frame.current = 0;
    const c = canvas.current;
    const t = last.current;
    const s = state.current.scene;
    if (!c || !t) return;
    const w = c.clientWidth;
    const hgt = c.clientHeight;
    const dpr = globalThis.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(hgt * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(hgt * dpr);
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    if (!s) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      return;
    }
    // Not yet made (the page was never idle since the scene changed): paint directly rather
    // than stall this frame with the whole fabric.
    const b = gesture.current ? gestureBitmap(false) : undefined;
    if (b && bitmapServes(t, b)) blitBitmap(ctx, b, t, w, hgt, dpr);
    else paintOverview(ctx, s, t, w, hgt, state.current.opts);
  };
  const paint = (t: ViewTransform): void => {
    last.current = t;
    gesture.current = true;
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  };
  const paintNow = (t: ViewTransform): void => {
    last.current = t;
    gesture.current = false;
    cancelAnimationFrame(frame.current);
    draw();
  };
  // A new scene (layout, toggles) or leaving the overview repaints at the current transform.
  useEffect(() => {
    if (last.current && !frame.current) frame.current = requestAnimationFrame(draw);
  }, [scene, opts.areas, opts.groups]);
  // The bitmap is made while the page is idle, not in the first frame of the next gesture.
  useEffect(() => {
    if (!scene || typeof requestIdleCallback !== 'function') return;
    const id = requestIdleCallback(() => gestureBitmap(true), { timeout: 2000 });
    return () => cancelIdleCallback(id);
  }, [scene, opts.bitmapAreas ?? opts.areas]);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  return { canvas, paint, paintNow };
}

/** The canvas element itself: under the stage (never moved by a gesture's CSS transform), not hit by the pointer (the SVG handles zoom and clicks). */
export function OverviewCanvasElement(p: { readonly canvas: RefObject<HTMLCanvasElement | null> }) {
  return h('canvas', { ref: p.canvas, className: 'topology-overview', 'data-testid': 'topology-overview', style: { position: 'absolute', inset: 0, width: '100%', height: '100%', pointerEvents: 'none' } });
}
