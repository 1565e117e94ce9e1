/**
 * The overview of a large topology as plain arrays (layout/detail.ts says when it is shown):
 * node centres grouped by style, cable Bézier points grouped by segment colour, group boxes
 * and VLAN areas — built once per layout, then painted on a canvas at any zoom without
 * touching the DOM. Pods are left out: they appear when zoomed in.
 */
import type { ViewModel } from '../domain/view-model.ts';
import type { SegmentArea } from './segments.ts';
import type { Layout, Point } from './types.ts';
import { linkControls, type LinkShape } from './links.ts';
import type { OverviewScene } from './detail.ts';

/** Style key of a node box in the overview (its kind and role, as the CSS classes of a drawn node). */
export function boxStyle(kind: string, role: string): string {
  return `${kind} ${role}`;
}

/** The overview's arrays for a view model and its layout. */
export function overviewScene(vm: ViewModel, layout: Layout, areas: readonly SegmentArea[], shape: LinkShape): OverviewScene {
  const pods = new Set<string>();
  const boxes = new Map<string, Point[]>();
  for (const n of vm.nodes) {
    if (n.role === 'pod') {
      pods.add(n.id);
      continue;
    }
    const c = layout.positions.get(n.id);
    if (!c) continue;
    const k = boxStyle(n.kind, n.role);
    const l = boxes.get(k);
    if (l) l.push(c);
    else boxes.set(k, [c]);
  }
  const lists = new Map<number, number[]>();
  for (const l of vm.links) {
    if (pods.has(l.a) || pods.has(l.b)) continue;
    const a = layout.positions.get(l.a);
    const b = layout.positions.get(l.b);
    if (!a || !b) continue;
    const colour = l.segment !== undefined ? l.segment % 8 : -1;
    let out = lists.get(colour);
    if (!out) lists.set(colour, (out = []));
    for (const p of linkControls(a, b, shape)) out.push(p.x, p.y);
  }
  const cables = new Map<number, Float64Array>();
  for (const [k, v] of lists) cables.set(k, Float64Array.from(v));
  return {
    boxes,
    cables,
    groups: layout.groups.map((g) => ({ x0: g.x, y0: g.y, x1: g.x + g.w, y1: g.y + g.h, floor: g.kind === 'floor' })),
    areas: areas.map((a) => ({ x0: a.x, y0: a.y, x1: a.x + a.w, y1: a.y + a.h, segment: a.segment })),
  };
}
