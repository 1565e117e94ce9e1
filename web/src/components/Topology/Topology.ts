/**
 * The topology drawing: group boxes (floors, racks), links with interface labels and state,
 * nodes coloured by kind, and the selected packet's path animated hop by hop with its
 * encap/decap/drop points marked. React renders the SVG; d3 only zooms (useZoom.ts).
 * Nodes drag; dragged positions persist per topology. Large fabrics are drawn with levels
 * of detail and culled to the viewport (layout/detail.ts): an overview of a few aggregate
 * paths when zoomed out, names, then interface names and pods as you zoom in.
 */
import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { flushSync } from 'react-dom';
import { h } from '../h.ts';
import type { ViewLink, ViewModel, ViewNode } from '../../domain/view-model.ts';
import type { HopEvent, LinkState } from '../../../../engine/server/api-types.ts';
import { layoutTiered } from '../../layout/tiered.ts';
import { segmentAreas } from '../../layout/segments.ts';
import { labelFraction, linkGeometry } from '../../layout/links.ts';
import { DEFAULT_LAYOUT, type Point } from '../../layout/types.ts';
import {
  detailLevel, detailWindow, linkMeets, nodeGrid, nodesIn, sameRect, visibleRect, DETAIL_NODE_LIMIT, type DetailLevel, type Rect,
} from '../../layout/detail.ts';
import { overviewScene } from '../../layout/overview.ts';
import { OverviewCanvasElement, useOverviewCanvas } from './OverviewCanvas.ts';
import { pathMarks, pathStops } from '../../domain/packet-path.ts';
import { nodeCauses } from '../../domain/hop-cause.ts';
import { loadPositions, savePositions } from './positions.ts';
import { useZoom } from './useZoom.ts';
import { revealOrder, useReveal } from './useReveal.ts';
import { PathOverlay } from './PathOverlay.ts';
import { OverlayControls, OverlayDefs, SessionLayer, TunnelLayer, type OverlayCull, type OverlayToggles } from './Overlays.ts';
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
const NO_ROUTES: ReadonlyMap<string, string> = new Map();
const SHAPE = { tierPitch: O.nodeH + O.gapY, bow: O.nodeW };
/** How long a zoom or pan gesture on a large drawing pauses before it is redrawn sharp. */
const SETTLE_MS = 120;
/** Nodes mounted per frame while a large drawing's detail window refills (useReveal.ts): with interface labels, names only. */
const REVEAL_PER_FRAME = { interfaces: 10, names: 24 } as const;
const FILL: Record<string, string | number> = { position: 'absolute', inset: 0 };

/** The topology view. */
export function Topology(p: TopologyProps) {
  const svg = useRef<SVGSVGElement>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const stage = useRef<HTMLDivElement>(null);
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
  // What the zoom shows: the level of detail and, above the overview, the window drawn in
  // detail. Held in state only when it changes, so most zoom steps re-render nothing.
  const big = view.nodes.length > DETAIL_NODE_LIMIT;
  const [detail, setDetail] = useState<{ level: DetailLevel; window?: Rect }>(() => ({ level: big ? 'overview' : 'interfaces' }));
  const detailRef = useRef(detail);
  // Bumped at each settle in detail: the window is emptied and refilled a chunk per frame.
  const [refill, setRefill] = useState(0);
  const onZoom = (t: { k: number; x: number; y: number }): void => {
    const level = detailLevel(t.k, view.nodes.length);
    if (big) overviewCanvas.paintNow(t);
    const s = svg.current;
    const window = level === 'overview' || !big || !s ? undefined : detailWindow(visibleRect(t, s.clientWidth || 800, s.clientHeight || 600));
    const cur = detailRef.current;
    const same = cur.level === level && sameRect(cur.window, window);
    if (same && !window) return;
    if (!same) detailRef.current = window ? { level, window } : { level };
    // Synchronously, in the task that set the layer's new transform: no frame may paint the
    // old window's elements at it (that is the costly repaint the refill spreads out).
    flushSync(() => {
      if (!same) setDetail(detailRef.current);
      if (window) setRefill((g) => g + 1);
    });
  };
  // Above DETAIL_NODE_LIMIT nodes a gesture only moves the last picture; the drawing follows
  // once the wheel or the pointer pauses (useZoom.ts).
  // The canvas follows the gesture itself (cheap: a few draw calls), so zooming out or a long
  // pan shows the fabric around the moved picture instead of a blank.
  const fit = useZoom(viewport, layer, scale, onZoom, { stage, enabled: () => big, settleMs: SETTLE_MS, onMove: (t) => overviewCanvas.paint(t) });
  const grid = useMemo(() => (big ? nodeGrid(layout.positions, 4 * (O.nodeW + O.gapX)) : undefined), [big, layout]);
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
  const showLabels = detail.level === 'interfaces';
  const overview = big && detail.level === 'overview';
  // The nodes drawn as their own elements: all of a small topology; in view (or near it) of a
  // large one; always the selected node and the nodes on the packet's path.
  const shown = useMemo(() => {
    if (!big || !grid) return undefined;
    const s = overview || !detail.window ? new Set<string>() : nodesIn(grid, detail.window, O);
    if (p.selected !== undefined) s.add(p.selected);
    for (const n of marks.keys()) s.add(n);
    return s;
  }, [big, grid, overview, detail.window, p.selected, marks]);
  const order = useMemo(() => (shown && !overview ? revealOrder(shown, layout.positions, detail.window, [...(p.selected !== undefined ? [p.selected] : []), ...marks.keys()]) : []),
    [shown, overview, layout, detail.window, p.selected, marks]);
  const { revealed, complete } = useReveal(order, refill, detail.level === 'interfaces' ? REVEAL_PER_FRAME.interfaces : REVEAL_PER_FRAME.names);
  const overlayCull = useMemo((): OverlayCull | undefined => (!big ? undefined : overview || !detail.window ? { attentionOnly: true } : { window: detail.window }), [big, overview, detail.window]);
  const isPod = useMemo(() => new Set(view.nodes.filter((n) => n.role === 'pod').map((n) => n.id)), [view]);
  // The overview: boxes, cables, racks and VLAN areas painted on a canvas under the SVG (at
  // every level: zoomed in, the SVG's window covers it and gestures show it around that).
  const scene = useMemo(() => (big ? overviewScene(view, layout, areas, SHAPE) : undefined), [big, view, layout, areas]);
  const overviewCanvas = useOverviewCanvas(scene, { areas: toggles.vlans && overview, groups: overview, bitmapAreas: toggles.vlans });
  // A click on the overview selects the node under the pointer (there is no element per node to click).
  const onOverviewClick = (ev: { clientX: number; clientY: number; target: EventTarget }): void => {
    if (!overview || (ev.target as Element).closest?.('.node')) return;
    const g = layer.current;
    const m = g?.getScreenCTM();
    if (!grid || !m) return;
    const at = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
    const hit = nodesIn(grid, { x0: at.x, y0: at.y, x1: at.x, y1: at.y }, O);
    const id = [...hit].find((n) => !isPod.has(n));
    if (id !== undefined) p.onSelect(id);
  };
  const degree = useMemo(() => {
    const d = new Map<string, number>();
    for (const l of view.links) {
      d.set(l.a, (d.get(l.a) ?? 0) + 1);
      d.set(l.b, (d.get(l.b) ?? 0) + 1);
    }
    return d;
  }, [view]);

  // Elements are kept per node and per link until something they show changes, so a zoom
  // step that moves the detail window only mounts what enters it: React skips the rest.
  // Pointer handlers go through a ref for the same reason (they change every render).
  const handlers = useRef({ onDown, onMove, onUp });
  handlers.current = { onDown, onMove, onUp };
  const linkEls = useMemo(() => new Map<string, ReactElement | null>(), [view, layout, p.links, onPathLinks, showLabels, degree]);
  const nodeEls = useMemo(() => new Map<string, ReactElement>(), [view, layout, p.selected, marks, p.path, p.routes, detail.level]);

  const linkElement = (l: ViewLink): ReactElement | null => {
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
  };
  const links = view.links.map((l) => {
    if (big) {
      const a = layout.positions.get(l.a);
      const b = layout.positions.get(l.b);
      if (!a || !b) return null;
      const st = p.links.get(l.id);
      const special = (st !== undefined && !st.up) || (onPathLinks.has(`${l.a}:${l.aIf}`) && onPathLinks.has(`${l.b}:${l.bIf}`));
      // Overview: only what the canvas does not show. Detail: cables crossing the window.
      // Zoomed in, a cable comes with the first of its ends mounted (or, crossing the window from outside it, at the end of the refill).
      const mounted = revealed.has(l.a) || revealed.has(l.b) || (complete && !shown?.has(l.a) && !shown?.has(l.b));
      if (overview ? !special : !special && !(mounted && detail.window && linkMeets(a, b, detail.window, O.nodeW))) return null;
    }
    let e = linkEls.get(l.id);
    if (e === undefined) linkEls.set(l.id, (e = linkElement(l)));
    return e;
  });

  const nodeElement = (n: ViewNode): ReactElement => {
    const c = layout.positions.get(n.id)!;
    const m = marks.get(n.id);
    const what = n.kind === 'switch' ? (n.role === 'spine' ? 'core switch' : 'switch') : n.role;
    const sub = n.role === 'node' || n.role === 'pod' ? n.ifaces.find((i) => i.address)?.address ?? n.kind : n.asn !== undefined ? `${what} · AS ${n.asn}` : what;
    return h('g', {
      key: n.id, className: `node kind-${n.kind} role-${n.role}${p.selected === n.id ? ' selected' : ''}${m ? ' on-path' : ''}`,
      transform: `translate(${c.x},${c.y})`, 'data-node': n.id,
      onPointerDown: (ev: { clientX: number; clientY: number; pointerId: number; currentTarget: Element }) => handlers.current.onDown(n.id)(ev),
      onPointerMove: (ev: { clientX: number; clientY: number }) => handlers.current.onMove(ev),
      onPointerUp: () => handlers.current.onUp(),
    },
    h('rect', { x: -O.nodeW / 2, y: -O.nodeH / 2, width: O.nodeW, height: O.nodeH, rx: n.kind === 'switch' ? 3 : 9 }),
    h('title', null, n.id),
    h('text', { className: 'name', y: -3 }, shortName(n.label ?? n.id)),
    // Addresses and roles come with interface names (names alone at the first level: fewer glyphs to paint).
    (!big || detail.level === 'interfaces') && h('text', { className: 'sub', y: 12 }, sub),
    // The tooltip is the group's title, not the text's, so the marks' text stays just the marks.
    m && h('g', { className: 'mark-tip' },
      h('text', { className: 'marks', y: -O.nodeH / 2 - 6 }, m.join(' · ')),
      h('title', null, [n.id, ...nodeCauses(p.path, n.id, p.routes ?? NO_ROUTES)].join('\n'))));
  };
  // Racks and floors in the window only: their titles are text too, laid out again at each new scale.
  const inWindow = (r: { x: number; y: number; w: number; h: number }): boolean => !big || !detail.window
    || (r.x + r.w >= detail.window.x0 && r.x <= detail.window.x1 && r.y + r.h >= detail.window.y0 && r.y <= detail.window.y1);
  const groupEls = useMemo(() => h('g', { className: 'groups' }, layout.groups.filter(inWindow).map((g) => h('g', { key: g.id, className: `group ${g.kind}` },
    h('rect', { x: g.x, y: g.y, width: g.w, height: g.h, rx: 10 }),
    h('text', { x: g.x + 8, y: g.y + 14 }, g.label)))), [layout, big, detail.window]);
  // Outlines only, label top-right: they overlap floors and racks, whose titles are top-left.
  const areaEls = useMemo(() => h('g', { className: 'segments', 'data-testid': 'overlay-vlans' }, areas.filter(inWindow).map((a) => h('g', {
    key: a.segment, className: `segment-area seg-${a.segment % 8}`, 'data-segment': a.segment, ...(a.vlan !== undefined ? { 'data-vlan': a.vlan } : {}),
  },
    h('rect', { x: a.x, y: a.y, width: a.w, height: a.h, rx: 14 }),
    h('title', null, `${a.label}: ${a.nodes.join(', ')}`),
    h('text', { x: a.x + a.w - 10, y: a.y + 13, textAnchor: 'end' }, a.label)))), [areas, big, detail.window]);
  const nodes = view.nodes.map((n) => {
    if (shown && !(overview ? shown.has(n.id) : revealed.has(n.id))) return null;
    let e = nodeEls.get(n.id);
    if (!e) nodeEls.set(n.id, (e = nodeElement(n)));
    return e;
  });

  // The viewport catches wheel and pointer and never moves; the stage (the SVG; the canvas lies under it) is what
  // a gesture on a large drawing transforms, on its own compositor layer.
  return h('div', { className: 'topology-wrap' },
    h('div', { ref: viewport, className: 'topology-viewport', style: { ...FILL, overflow: 'hidden' } },
    big && h(OverviewCanvasElement, { canvas: overviewCanvas.canvas }),
    h('div', { ref: stage, className: 'topology-stage', style: { ...FILL, transformOrigin: '0 0', ...(big ? { willChange: 'transform' } : {}) } },
    h('svg', { ref: svg, className: 'topology', 'data-testid': 'topology', onClick: onOverviewClick, style: { position: 'relative' } },
      h(OverlayDefs),
      h('g', { ref: layer },
        !overview && groupEls,
        toggles.vlans && !overview && areaEls,
        h('g', { className: 'links' }, links),
        toggles.tunnels && p.tunnels && complete && h(TunnelLayer, { tunnels: p.tunnels, positions: layout.positions, cull: overlayCull }),
        toggles.bgp && p.sessions && complete && h(SessionLayer, { sessions: p.sessions, positions: layout.positions, cull: overlayCull }),
        h('g', { className: 'nodes' }, nodes),
        h(PathOverlay, { stops, positions: layout.positions, routes: p.routes ?? NO_ROUTES }))))),
    h('div', { className: 'topology-tools' },
      big && h('span', { className: 'detail-level', 'data-testid': 'detail-level', 'data-level': detail.level },
        detail.level === 'overview' ? 'zoom in for names, interfaces and pods' : detail.level === 'names' ? 'zoom in for interface names' : ''),
      h('button', { onClick: () => fit({ x: -40, y: -60, w: layout.width + 80, h: layout.height + 100 }) }, 'fit'),
      h('button', { onClick: () => { savePositions(p.view.name, new Map()); setOverrides(new Map()); }, title: 'forget dragged positions' }, 'reset layout')),
    h(OverlayControls, { on: toggles, onChange: setOverlays, counts: { bgp: p.sessions?.length ?? 0, tunnels: p.tunnels?.length ?? 0, pods: podCount, vlans: areas.length } }));
}

/** A box fits 18 characters; longer names end in … (the full id is the box's tooltip). */
function shortName(s: string): string {
  return s.length > 18 ? `${s.slice(0, 17)}…` : s;
}
