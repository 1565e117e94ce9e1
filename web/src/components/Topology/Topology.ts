/**
 * The topology drawing: group boxes (floors, racks), links with interface labels and state,
 * nodes coloured by kind, and the selected packet's path animated hop by hop with its
 * encap/decap/drop points marked. React renders the SVG; d3 only zooms (useZoom.ts).
 * Nodes drag; dragged positions persist per topology.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { h } from '../h.ts';
import type { ViewModel } from '../../domain/view-model.ts';
import type { HopEvent, LinkState } from '../../../../engine/server/api-types.ts';
import { layoutTiered } from '../../layout/tiered.ts';
import { segmentAreas } from '../../layout/segments.ts';
import { labelFraction, linkGeometry } from '../../layout/links.ts';
import { DEFAULT_LAYOUT, type Point } from '../../layout/types.ts';
import { pathMarks, pathStops } from '../../domain/packet-path.ts';
import { nodeCauses } from '../../domain/hop-cause.ts';
import { loadPositions, savePositions } from './positions.ts';
import { useZoom } from './useZoom.ts';
import { PathOverlay } from './PathOverlay.ts';
import { OverlayControls, OverlayDefs, SessionLayer, TunnelLayer, type OverlayToggles } from './Overlays.ts';
import type { SessionView, TunnelView } from '../../domain/overlays.ts';

export interface TopologyProps {
  readonly view: ViewModel;
  readonly links: ReadonlyMap<string, LinkState>;
  readonly selected?: string;
  readonly onSelect: (node: string) => void;
  readonly path: readonly HopEvent[];
  /** Routes responsible for the path's forward/encap hops (`node dst` → route line). */
  readonly routes?: ReadonlyMap<string, string>;
  /** BGP sessions and tunnels at the timeline cursor. */
  readonly sessions?: readonly SessionView[];
  readonly tunnels?: readonly TunnelView[];
}

const TOGGLES_KEY = 'podlab:overlays';

function loadToggles(): OverlayToggles {
  try {
    const v = JSON.parse(localStorage.getItem(TOGGLES_KEY) ?? '{}') as Partial<OverlayToggles>;
    return { bgp: v.bgp !== false, tunnels: v.tunnels !== false, pods: v.pods !== false, vlans: v.vlans !== false };
  } catch {
    return { bgp: true, tunnels: true, pods: true, vlans: true };
  }
}

const O = DEFAULT_LAYOUT;
/** Above this many nodes interface labels are left out (they are unreadable at fit-to-screen zoom anyway). */
const LABEL_LIMIT = 300;
const NO_ROUTES: ReadonlyMap<string, string> = new Map();
const SHAPE = { tierPitch: O.nodeH + O.gapY, bow: O.nodeW };

/** The topology view. */
export function Topology(p: TopologyProps) {
  const svg = useRef<SVGSVGElement>(null);
  const layer = useRef<SVGGElement>(null);
  const scale = useRef(1);
  const [overrides, setOverrides] = useState(() => loadPositions(p.view.name));
  const [toggles, setToggles] = useState(loadToggles);
  const setOverlays = (t: OverlayToggles): void => {
    setToggles(t);
    try { localStorage.setItem(TOGGLES_KEY, JSON.stringify(t)); } catch { /* this page only */ }
  };
  // Pods off: the drawing (and its layout) is the fabric alone.
  const podCount = useMemo(() => p.view.nodes.filter((n) => n.role === 'pod').length, [p.view]);
  const view = useMemo(() => {
    if (toggles.pods || !podCount) return p.view;
    const pods = new Set(p.view.nodes.filter((n) => n.role === 'pod').map((n) => n.id));
    return { ...p.view, nodes: p.view.nodes.filter((n) => !pods.has(n.id)), links: p.view.links.filter((l) => !pods.has(l.a) && !pods.has(l.b)) };
  }, [p.view, toggles.pods, podCount]);
  const layout = useMemo(() => layoutTiered(view, O, overrides.size ? overrides : undefined), [view, overrides]);
  const areas = useMemo(() => segmentAreas(view, layout, O), [view, layout]);
  const fit = useZoom(svg, layer, scale);
  const fitted = useRef(false);
  useEffect(() => {
    if (fitted.current) return;
    fitted.current = true;
    fit({ x: -40, y: -60, w: layout.width + 80, h: layout.height + 100 });
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('podlab:topology-painted')));
  });

  // Drag: pointer capture on the node; a click that did not move selects it.
  const drag = useRef<{ id: string; start: Point; from: Point; moved: boolean } | undefined>(undefined);
  const onDown = (id: string) => (ev: { clientX: number; clientY: number; pointerId: number; currentTarget: Element }) => {
    drag.current = { id, start: { x: ev.clientX, y: ev.clientY }, from: layout.positions.get(id)!, moved: false };
    ev.currentTarget.setPointerCapture(ev.pointerId);
  };
  const onMove = (ev: { clientX: number; clientY: number }) => {
    const d = drag.current;
    if (!d) return;
    const dx = (ev.clientX - d.start.x) / scale.current;
    const dy = (ev.clientY - d.start.y) / scale.current;
    if (!d.moved && Math.hypot(dx, dy) * scale.current < 4) return;
    d.moved = true;
    setOverrides((m) => new Map(m).set(d.id, { x: Math.round(d.from.x + dx), y: Math.round(d.from.y + dy) }));
  };
  const onUp = () => {
    const d = drag.current;
    drag.current = undefined;
    if (!d) return;
    if (d.moved) setOverrides((m) => { savePositions(p.view.name, m); return m; });
    else p.onSelect(d.id);
  };

  const stops = useMemo(() => pathStops(p.path), [p.path]);
  const marks = useMemo(() => pathMarks(p.path), [p.path]);
  const onPathLinks = useMemo(() => {
    const s = new Set<string>();
    for (const st of stops) if (st.kind === 'wire') s.add(`${st.from}:${st.fromDev}`).add(`${st.to}:${st.toDev}`);
    return s;
  }, [stops]);
  const showLabels = view.nodes.length <= LABEL_LIMIT;
  const degree = useMemo(() => {
    const d = new Map<string, number>();
    for (const l of view.links) {
      d.set(l.a, (d.get(l.a) ?? 0) + 1);
      d.set(l.b, (d.get(l.b) ?? 0) + 1);
    }
    return d;
  }, [view]);

  const links = view.links.map((l) => {
    const a = layout.positions.get(l.a);
    const b = layout.positions.get(l.b);
    if (!a || !b) return null;
    const g = linkGeometry(a, b, labelFraction(degree.get(l.a) ?? 1), labelFraction(degree.get(l.b) ?? 1), SHAPE);
    const st = p.links.get(l.id);
    const down = st !== undefined && !st.up;
    const hot = onPathLinks.has(`${l.a}:${l.aIf}`) && onPathLinks.has(`${l.b}:${l.bIf}`);
    // The default VLAN of a plain switch says nothing; named VLANs do.
    const vlan = l.vlan !== undefined && l.vlan !== 1 ? l.vlan : undefined;
    const cls = `link${down ? ' down' : ''}${hot ? ' on-path' : ''}${l.segment !== undefined ? ` seg-${l.segment % 8}` : ''}`;
    return h('g', { key: l.id, className: cls, 'data-link': l.id },
      h('path', { d: g.d }),
      showLabels && h('text', { className: 'iface', x: g.aLabel.x, y: g.aLabel.y }, l.aIf),
      showLabels && h('text', { className: 'iface', x: g.bLabel.x, y: g.bLabel.y }, l.bIf),
      showLabels && (down || vlan !== undefined) && h('text', { className: 'link-state', x: g.mid.x, y: g.mid.y - 4 },
        [down ? 'down' : '', vlan !== undefined ? `vlan ${vlan}` : ''].filter(Boolean).join(' · ')));
  });

  const nodes = view.nodes.map((n) => {
    const c = layout.positions.get(n.id)!;
    const m = marks.get(n.id);
    const what = n.kind === 'switch' ? (n.role === 'spine' ? 'core switch' : 'switch') : n.role;
    const sub = n.role === 'node' || n.role === 'pod' ? n.ifaces.find((i) => i.address)?.address ?? n.kind : n.asn !== undefined ? `${what} · AS ${n.asn}` : what;
    return h('g', {
      key: n.id, className: `node kind-${n.kind} role-${n.role}${p.selected === n.id ? ' selected' : ''}${m ? ' on-path' : ''}`,
      transform: `translate(${c.x},${c.y})`, 'data-node': n.id,
      onPointerDown: onDown(n.id), onPointerMove: onMove, onPointerUp: onUp,
    },
    h('rect', { x: -O.nodeW / 2, y: -O.nodeH / 2, width: O.nodeW, height: O.nodeH, rx: n.kind === 'switch' ? 3 : 9 }),
    h('title', null, n.id),
    h('text', { className: 'name', y: -3 }, n.id.length > 18 ? `${n.id.slice(0, 17)}…` : n.id),
    h('text', { className: 'sub', y: 12 }, sub),
    // The tooltip is the group's title, not the text's, so the marks' text stays just the marks.
    m && h('g', { className: 'mark-tip' },
      h('text', { className: 'marks', y: -O.nodeH / 2 - 6 }, m.join(' · ')),
      h('title', null, [n.id, ...nodeCauses(p.path, n.id, p.routes ?? NO_ROUTES)].join('\n'))));
  });

  return h('div', { className: 'topology-wrap' },
    h('svg', { ref: svg, className: 'topology', 'data-testid': 'topology' },
      h(OverlayDefs),
      h('g', { ref: layer },
        h('g', { className: 'groups' }, layout.groups.map((g) => h('g', { key: g.id, className: `group ${g.kind}` },
          h('rect', { x: g.x, y: g.y, width: g.w, height: g.h, rx: 10 }),
          h('text', { x: g.x + 8, y: g.y + 14 }, g.label)))),
        // Outlines only, label top-right: they overlap floors and racks, whose titles are top-left.
        toggles.vlans && h('g', { className: 'segments', 'data-testid': 'overlay-vlans' }, areas.map((a) => h('g', {
          key: a.segment, className: `segment-area seg-${a.segment % 8}`, 'data-segment': a.segment, ...(a.vlan !== undefined ? { 'data-vlan': a.vlan } : {}),
        },
          h('rect', { x: a.x, y: a.y, width: a.w, height: a.h, rx: 14 }),
          h('title', null, `${a.label}: ${a.nodes.join(', ')}`),
          h('text', { x: a.x + a.w - 10, y: a.y + 13, textAnchor: 'end' }, a.label)))),
        h('g', { className: 'links' }, links),
        toggles.tunnels && p.tunnels && h(TunnelLayer, { tunnels: p.tunnels, positions: layout.positions }),
        toggles.bgp && p.sessions && h(SessionLayer, { sessions: p.sessions, positions: layout.positions }),
        h('g', { className: 'nodes' }, nodes),
        h(PathOverlay, { stops, positions: layout.positions, routes: p.routes ?? NO_ROUTES }))),
    h('div', { className: 'topology-tools' },
      h('button', { onClick: () => fit({ x: -40, y: -60, w: layout.width + 80, h: layout.height + 100 }) }, 'fit'),
      h('button', { onClick: () => { savePositions(p.view.name, new Map()); setOverrides(new Map()); }, title: 'forget dragged positions' }, 'reset layout')),
    h(OverlayControls, { on: toggles, onChange: setOverlays, counts: { bgp: p.sessions?.length ?? 0, tunnels: p.tunnels?.length ?? 0, pods: podCount, vlans: areas.length } }));
}

