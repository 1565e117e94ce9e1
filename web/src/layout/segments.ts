/**
 * VLAN / L2 segment areas: one outline per broadcast domain around the boxes of the nodes
 * whose interfaces are in it and the switches it crosses. Pure geometry over a finished
 * layout, so it follows dragged nodes. Areas may overlap rack/floor boxes and each other
 * (a ToR sits in its floor's VLAN and in the transit VLAN); each area gets its own inset
 * so nested outlines stay apart, and labels go top-right, away from rack/floor titles (top-left).
 */
import type { ViewModel, ViewSegment } from '../domain/view-model.ts';
import type { Layout, LayoutOptions, Point } from './types.ts';

/** An outline drawn around one L2 segment. */
export interface SegmentArea {
  /** Index of the segment in the view model. */
  readonly segment: number;
  readonly vlan?: number;
  /** `VLAN 10 · 10.30.1.0/24`, or `segment 3` without a VLAN. */
  readonly label: string;
  /** Nodes inside (members and switches), sorted. */
  readonly nodes: readonly string[];
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The label of a segment: VLAN id, its `vlans:` name and subnet when known. */
export function segmentLabel(s: ViewSegment): string {
  if (s.vlan === undefined) return `segment ${s.id}${s.subnet ? ` · ${s.subnet}` : ''}`;
  return [`VLAN ${s.vlan}`, s.name, s.subnet].filter(Boolean).join(' · ');
}

/** One area per segment that crosses a switch or joins three or more nodes (not a point-to-point cable); smaller areas get a wider inset so outlines that share nodes do not coincide. */
export function segmentAreas(vm: ViewModel, layout: Pick<Layout, 'positions'>, o: LayoutOptions): SegmentArea[] {
  const sized: { s: ViewSegment; nodes: string[]; pts: Point[] }[] = [];
  for (const s of vm.segments) {
    const names = new Set<string>([...s.members.map((m) => m.slice(0, m.lastIndexOf(':'))), ...(s.switches ?? [])]);
    const nodes = [...names].filter((n) => layout.positions.has(n)).sort();
    // A bare cable between two machines is a segment too, but outlining it says nothing the line does not.
    if (nodes.length < 2 || (!(s.switches ?? []).length && s.members.length < 3)) continue;
    sized.push({ s, nodes, pts: nodes.map((n) => layout.positions.get(n)!) });
  }
  // Bigger areas outside, smaller ones inside: inset grows with how many areas a node is in.
  const depth = new Map<string, number>();
  sized.sort((a, b) => b.nodes.length - a.nodes.length || a.s.id - b.s.id);
  const out: SegmentArea[] = [];
  for (const { s, nodes, pts } of sized) {
    const d = Math.max(0, ...nodes.map((n) => depth.get(n) ?? 0));
    for (const n of nodes) depth.set(n, d + 1);
    const pad = Math.max(3, 9 - 3 * d);
    const x0 = Math.min(...pts.map((p) => p.x)) - o.nodeW / 2 - pad;
    const x1 = Math.max(...pts.map((p) => p.x)) + o.nodeW / 2 + pad;
    // Room above the top box for the label.
    const y0 = Math.min(...pts.map((p) => p.y)) - o.nodeH / 2 - pad - 14;
    const y1 = Math.max(...pts.map((p) => p.y)) + o.nodeH / 2 + pad;
    out.push({ segment: s.id, ...(s.vlan !== undefined ? { vlan: s.vlan } : {}), label: segmentLabel(s), nodes, x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
  }
  return out.sort((a, b) => a.segment - b.segment);
}
