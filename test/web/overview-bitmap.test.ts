/**
 * The gesture bitmap's geometry (Topology/OverviewBitmap.ts): it bounds everything the
 * overview draws of a generated 5,202-node fabric, fits the largest side, and serves a
 * gesture only while it is not magnified more than twice.
 */
import { describe, expect, it } from 'vitest';
import { bitmapScale, bitmapServes, sceneBounds, BITMAP_MAX_SIDE } from '../../web/src/components/Topology/OverviewBitmap.ts';
import { overviewScene } from '../../web/src/layout/overview.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { segmentAreas } from '../../web/src/layout/segments.ts';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { DEFAULT_LAYOUT as O } from '../../web/src/layout/types.ts';
import { uiFabric } from '../../bench/ui/generate.ts';

const vm = viewModel(uiFabric(5000));
const layout = layoutTiered(vm);
const scene = overviewScene(vm, layout, segmentAreas(vm, layout, O), { tierPitch: O.nodeH + O.gapY, bow: O.nodeW });

describe('overview bitmap', () => {
  it('bounds every node box and rack of the scene', () => {
    const b = sceneBounds(scene);
    for (const p of layout.positions.values()) {
      expect(p.x - O.nodeW / 2).toBeGreaterThanOrEqual(b.x0);
      expect(p.x + O.nodeW / 2).toBeLessThanOrEqual(b.x1);
      expect(p.y - O.nodeH / 2).toBeGreaterThanOrEqual(b.y0);
      expect(p.y + O.nodeH / 2).toBeLessThanOrEqual(b.y1);
    }
    for (const g of layout.groups) expect(g.x >= b.x0 && g.x + g.w <= b.x1 && g.y >= b.y0 && g.y + g.h <= b.y1).toBe(true);
  });

  it('fits its larger side in BITMAP_MAX_SIDE pixels and serves gestures up to twice magnified', () => {
    const b = sceneBounds(scene);
    const s = bitmapScale(b);
    expect(Math.max(b.x1 - b.x0, b.y1 - b.y0) * s).toBeCloseTo(BITMAP_MAX_SIDE, 6);
    expect(bitmapServes({ k: 2 * s, x: 0, y: 0 }, { scale: s })).toBe(true);
    expect(bitmapServes({ k: 2.01 * s, x: 0, y: 0 }, { scale: s })).toBe(false);
    expect(sceneBounds({ boxes: new Map(), cables: new Map(), groups: [], areas: [] })).toEqual({ x0: 0, y0: 0, x1: 0, y1: 0 });
  });
});
