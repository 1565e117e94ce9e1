/**
 * The whole overview painted once into an off-screen bitmap, for gestures: while the wheel
 * turns or the pointer pans, the canvas under the moved SVG picture is one scaled drawImage
 * of it (a blit, whatever the fabric's size) instead of a repaint of thousands of boxes and
 * cables per frame. Zoomed in past what the bitmap resolves, a gesture repaints the canvas
 * directly: the view then holds few enough nodes. When the gesture pauses the canvas is
 * painted sharp (OverviewCanvas.ts).
 */
import type { OverviewScene, Rect, ViewTransform } from '../../layout/detail.ts';
import { DEFAULT_LAYOUT } from '../../layout/types.ts';

/** The largest side of the bitmap in pixels (16 MB at 4096 × 1024). */
export const BITMAP_MAX_SIDE = 4096;

/** A painted bitmap of a scene: `image` shows layout point (x0, y0) at its origin, `scale` pixels per layout unit. */
export interface OverviewBitmap {
  readonly image: CanvasImageSource & { readonly width: number; readonly height: number };
  readonly x0: number;
  readonly y0: number;
  readonly scale: number;
}

/** The layout rectangle holding everything the scene draws (node boxes, cables, racks, areas). */
export function sceneBounds(scene: OverviewScene): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const hw = DEFAULT_LAYOUT.nodeW / 2;
  const hh = DEFAULT_LAYOUT.nodeH / 2;
  for (const centres of scene.boxes.values()) {
    for (const c of centres) {
      x0 = Math.min(x0, c.x - hw);
      x1 = Math.max(x1, c.x + hw);
      y0 = Math.min(y0, c.y - hh);
      y1 = Math.max(y1, c.y + hh);
    }
  }
  for (const pts of scene.cables.values()) {
    for (let i = 0; i < pts.length; i += 2) {
      x0 = Math.min(x0, pts[i]!);
      x1 = Math.max(x1, pts[i]!);
      y0 = Math.min(y0, pts[i + 1]!);
      y1 = Math.max(y1, pts[i + 1]!);
    }
  }
  for (const r of [...scene.groups, ...scene.areas]) {
    x0 = Math.min(x0, r.x0);
    x1 = Math.max(x1, r.x1);
    y0 = Math.min(y0, r.y0);
    y1 = Math.max(y1, r.y1);
  }
  return x0 <= x1 ? { x0, y0, x1, y1 } : { x0: 0, y0: 0, x1: 0, y1: 0 };
}

/** Pixels per layout unit for a bitmap of `bounds` whose larger side is at most `maxSide` pixels. */
export function bitmapScale(bounds: Rect, maxSide = BITMAP_MAX_SIDE): number {
  return maxSide / Math.max(1, bounds.x1 - bounds.x0, bounds.y1 - bounds.y0);
}

/**
 * Whether a gesture at transform `t` shows the bitmap rather than a direct paint: while it
 * is no more than twice magnified (blurred a little for the moment the gesture lasts).
 */
export function bitmapServes(t: ViewTransform, bitmap: Pick<OverviewBitmap, 'scale'>): boolean {
  return t.k <= 2 * bitmap.scale;
}

/** Paints the bitmap on `ctx` (a canvas of `w` × `h` CSS pixels at `dpr`) as transform `t` places the layout. */
export function blitBitmap(ctx: CanvasRenderingContext2D, b: OverviewBitmap, t: ViewTransform, w: number, h: number, dpr: number): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w * dpr, h * dpr);
  ctx.setTransform(t.k * dpr, 0, 0, t.k * dpr, t.x * dpr, t.y * dpr);
  ctx.imageSmoothingQuality = 'low';
  ctx.drawImage(b.image, b.x0, b.y0, b.image.width / b.scale, b.image.height / b.scale);
}
