/**
 * Level of detail and culling for large topologies (web/src/layout/detail.ts, overview.ts):
 * which level a zoom scale shows, that the detail window always covers the screen and stays
 * put for small moves, that the grid finds exactly the nodes a brute-force scan finds, and
 * that the overview leaves pods for later — on a generated 5,202-node fabric (5,000 Kubernetes nodes); that culling
 * never drops a BGP/tunnel arc that crosses the detail window.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { viewModel } from '../../web/src/domain/view-model.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { segmentAreas } from '../../web/src/layout/segments.ts';
import { detailLevel, detailWindow, nodeGrid, nodesIn, sameRect, uncoveredFraction, visibleRect, DETAIL_NODE_LIMIT, INTERFACES_SCALE, NAMES_SCALE } from '../../web/src/layout/detail.ts';
import { overviewScene } from '../../web/src/layout/overview.ts';
import { arcMeets } from '../../web/src/layout/overlays.ts';
import { DEFAULT_LAYOUT as O } from '../../web/src/layout/types.ts';
import { uiFabric } from '../../bench/ui/generate.ts';

const big = uiFabric(5000);
const vm = viewModel(big);
const layout = layoutTiered(vm);

describe('level of detail', () => {
  it('draws small topologies in full at any zoom, large ones by zoom scale', () => {
    expect(detailLevel(0.01, DETAIL_NODE_LIMIT)).toBe('interfaces');
    expect(detailLevel(0.05, 5004)).toBe('overview');
    expect(detailLevel(NAMES_SCALE, 5004)).toBe('names');
    expect(detailLevel(INTERFACES_SCALE, 5004)).toBe('interfaces');
  });

  it('the detail window covers the screen, at most 1.5 times it each way, and holds still for small moves', () => {
    fc.assert(fc.property(fc.double({ min: 0.3, max: 4, noNaN: true }), fc.double({ min: -30000, max: 0, noNaN: true }), fc.double({ min: -15000, max: 0, noNaN: true }), (k, x, y) => {
      const v = visibleRect({ k, x, y }, 1600, 1000);
      const w = detailWindow(v);
      expect(w.x0).toBeLessThanOrEqual(v.x0);
      expect(w.y0).toBeLessThanOrEqual(v.y0);
      expect(w.x1).toBeGreaterThanOrEqual(v.x1);
      expect(w.y1).toBeGreaterThanOrEqual(v.y1);
      expect(w.x1 - w.x0).toBeLessThanOrEqual(1.5 * (v.x1 - v.x0) + 1e-6);
      expect(w.y1 - w.y0).toBeLessThanOrEqual(1.5 * (v.y1 - v.y0) + 1e-6);
    }));
    // A one-pixel pan stays in the same window almost everywhere: a pan of one screen width
    // moves each edge of the window over at most ceil(1600 / 256) grid steps.
    let changes = 0;
    let prev = detailWindow(visibleRect({ k: 1, x: 0, y: 0 }, 1600, 1000));
    for (let px = 1; px <= 1600; px++) {
      const w = detailWindow(visibleRect({ k: 1, x: -px, y: 0 }, 1600, 1000));
      if (!sameRect(prev, w)) changes++;
      prev = w;
    }
    expect(changes).toBeGreaterThan(0);
    expect(changes).toBeLessThanOrEqual(14);
  });

  it('the grid finds the same nodes as a scan over all of them', () => {
    const grid = nodeGrid(layout.positions, 4 * (O.nodeW + O.gapX));
    fc.assert(fc.property(fc.double({ min: -500, max: layout.width, noNaN: true }), fc.double({ min: -500, max: layout.height, noNaN: true }),
      fc.double({ min: 0, max: 6000, noNaN: true }), fc.double({ min: 0, max: 4000, noNaN: true }), (x0, y0, w, h) => {
        const r = { x0, y0, x1: x0 + w, y1: y0 + h };
        const scan = [...layout.positions].filter(([, p]) => p.x + O.nodeW / 2 >= r.x0 && p.x - O.nodeW / 2 <= r.x1 && p.y + O.nodeH / 2 >= r.y0 && p.y - O.nodeH / 2 <= r.y1).map(([id]) => id);
        expect([...nodesIn(grid, r, O)].sort()).toEqual(scan.sort());
      }), { numRuns: 60 });
  });

  it('the overview holds every non-pod box and cable once, and no pod', () => {
    const withPods = { ...vm, nodes: [...vm.nodes, { ...vm.nodes.find((n) => n.role === 'node')!, id: 'pod-x', role: 'pod' as const, kind: 'pod', tier: 5 }] };
    const l = layoutTiered(withPods);
    const scene = overviewScene(withPods, l, segmentAreas(withPods, l, O), { tierPitch: O.nodeH + O.gapY, bow: O.nodeW });
    const boxes = [...scene.boxes.values()].reduce((s, b) => s + b.length, 0);
    expect(boxes).toBe(vm.nodes.length);
    const cables = [...scene.cables.values()].reduce((s, c) => s + c.length / 8, 0);
    expect(cables).toBe(vm.links.length);
    expect(scene.groups.length).toBe(l.groups.length);
    expect([...scene.boxes.keys()].some((k) => k.includes('pod'))).toBe(false);
  });
});

describe('overlay culling', () => {
  const pt = fc.record({ x: fc.integer({ min: -3000, max: 3000 }), y: fc.integer({ min: -3000, max: 3000 }) });
  it('keeps every arc some point of which lies in the window', () => {
    fc.assert(fc.property(pt, pt, fc.double({ min: -0.6, max: 0.6, noNaN: true }), pt, fc.integer({ min: 1, max: 800 }), fc.integer({ min: 1, max: 800 }), (a, b, bend, o, w, hgt) => {
      const r = { x0: o.x, y0: o.y, x1: o.x + w, y1: o.y + hgt };
      const c = { x: (a.x + b.x) / 2 - (b.y - a.y) * bend, y: (a.y + b.y) / 2 + (b.x - a.x) * bend };
      let crosses = false;
      for (let i = 0; i <= 64 && !crosses; i++) {
        const t = i / 64;
        const x = (1 - t) ** 2 * a.x + 2 * t * (1 - t) * c.x + t * t * b.x;
        const y = (1 - t) ** 2 * a.y + 2 * t * (1 - t) * c.y + t * t * b.y;
        crosses = x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1;
      }
      if (crosses) expect(arcMeets(a, b, bend, r, O.nodeW / 2, O.nodeH / 2)).toBe(true);
    }), { numRuns: 2000 });
  });
  it('drops an arc far from the window', () => {
    const r = { x0: 0, y0: 0, x1: 500, y1: 400 };
    expect(arcMeets({ x: 2000, y: 100 }, { x: 2600, y: 100 }, 0.32, r, O.nodeW / 2, O.nodeH / 2)).toBe(false);
    // Both ends left of the window, the bow reaching into it.
    expect(arcMeets({ x: -300, y: -200 }, { x: -300, y: 600 }, -0.6, r, O.nodeW / 2, O.nodeH / 2)).toBe(true);
  });
});

describe('a gesture\'s picture', () => {
  it('covers the view until it moves or shrinks, by the part it leaves blank', () => {
    const at = { k: 0.5, x: 10, y: -20 };
    expect(uncoveredFraction(at, at, 1600, 1000)).toBe(0);
    // Zoomed in about any point: still covers the view.
    expect(uncoveredFraction(at, { k: 1, x: 10 * 2 - 300, y: -20 * 2 - 200 }, 1600, 1000)).toBe(0);
    // Panned half a view to the right: half of it blank.
    expect(uncoveredFraction(at, { k: 0.5, x: 810, y: -20 }, 1600, 1000)).toBeCloseTo(0.5, 9);
    // Zoomed out to half about the centre: three quarters blank.
    expect(uncoveredFraction({ k: 1, x: 0, y: 0 }, { k: 0.5, x: 400, y: 250 }, 1600, 1000)).toBeCloseTo(0.75, 9);
    expect(uncoveredFraction(at, { k: 0.5, x: 5000, y: 0 }, 1600, 1000)).toBe(1);
  });
});
