/**
 * The topology's overlay layer: BGP sessions (coloured by state, dashed for eBGP, an arrow
 * from a route reflector to its client) and IPIP/VXLAN tunnels, as arcs over the cables.
 * Geometry comes from layout/overlays.ts; what to draw from domain/overlays.ts.
 */
import { h, Fragment } from '../h.ts';
import type { SessionView, TunnelView } from '../../domain/overlays.ts';
import { arcGeometry, arcMeets, SESSION_BEND, TUNNEL_BEND } from '../../layout/overlays.ts';
import { DEFAULT_LAYOUT, type Point } from '../../layout/types.ts';

const HW = DEFAULT_LAYOUT.nodeW / 2;
const HH = DEFAULT_LAYOUT.nodeH / 2;

/** Arrowhead markers (one per session colour), referenced by id. */
export function OverlayDefs() {
  return h('defs', null, (['up', 'connecting', 'down'] as const).map((s) => h('marker', {
    key: s, id: `rr-arrow-${s}`, className: `rr-arrow ${s}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
  }, h('path', { d: 'M0,0L10,5L0,10z' }))));
}

/**
 * What a large drawing shows of the overlays (Topology.ts): arcs that may cross `window`
 * (the detail window), or, zoomed out to the overview, only the ones that need attention
 * (sessions not Established, tunnels carrying the traffic) — thousands of arcs over a
 * fabric drawn a few pixels a node would be one grey smear that costs a repaint per step.
 */
export type OverlayCull = { readonly window: Rect } | { readonly attentionOnly: true };
type Rect = { x0: number; y0: number; x1: number; y1: number };

function kept(cull: OverlayCull | undefined, a: Point, b: Point, bend: number, attention: boolean): boolean {
  if (!cull) return true;
  return 'window' in cull ? arcMeets(a, b, bend, cull.window, HW, HH) : attention;
}

/** BGP session arcs. */
export function SessionLayer(p: { readonly sessions: readonly SessionView[]; readonly positions: ReadonlyMap<string, Point>; readonly cull?: OverlayCull }) {
  return h('g', { className: 'overlay bgp', 'data-testid': 'overlay-bgp' }, p.sessions.map((s) => {
    // From the reflector when there is one, so the arrow points at the client.
    const [from, to] = s.reflector === s.b ? [s.b, s.a] : [s.a, s.b];
    const a = p.positions.get(from);
    const b = p.positions.get(to);
    if (!a || !b || !kept(p.cull, a, b, SESSION_BEND, s.health !== 'up')) return null;
    const g = arcGeometry(a, b, SESSION_BEND, HW, HH);
    const kind = s.ebgp === undefined ? '' : s.ebgp ? ' ebgp' : ' ibgp';
    const states = Object.entries(s.states).map(([n, st]) => `${n}: ${st}`).join(', ');
    return h('g', { key: s.id, className: `session ${s.health}${kind}${s.reflector ? ' rr' : ''}`, 'data-session': s.id, 'data-health': s.health },
      h('path', { d: g.d, ...(s.reflector ? { markerEnd: `url(#rr-arrow-${s.health})` } : {}) }),
      h('title', null, `BGP ${s.ebgp === undefined ? '' : s.ebgp ? 'eBGP ' : 'iBGP '}${s.a} — ${s.b} (${s.names.join(', ')}): ${states}${s.reflector ? `; ${s.reflector} reflects routes to ${s.reflector === s.a ? s.b : s.a}` : ''}`),
      h('text', { x: g.mid.x, y: g.mid.y - 3 }, `${s.ebgp ? 'eBGP' : 'BGP'} ${s.health === 'up' ? 'Established' : Object.values(s.states).join('/')}${s.reflector ? ' · RR' : ''}`));
  }));
}

/** Tunnel arcs (bowed the other way from sessions). */
export function TunnelLayer(p: { readonly tunnels: readonly TunnelView[]; readonly positions: ReadonlyMap<string, Point>; readonly cull?: OverlayCull }) {
  return h('g', { className: 'overlay tunnels', 'data-testid': 'overlay-tunnels' }, p.tunnels.map((t) => {
    const a = p.positions.get(t.a);
    const b = p.positions.get(t.b);
    const bend = TUNNEL_BEND[t.kind];
    if (!a || !b || !kept(p.cull, a, b, bend, t.traffic)) return null;
    const g = arcGeometry(a, b, bend, HW, HH);
    const why = [t.route ? 'routes' : '', t.traffic ? 'traffic' : ''].filter(Boolean).join(' + ');
    return h('g', { key: t.id, className: `tunnel ${t.kind}${t.traffic ? ' traffic' : ''}`, 'data-tunnel': t.id },
      h('path', { d: g.d }),
      h('title', null, `${t.kind.toUpperCase()} tunnel ${t.a} ⇄ ${t.b} (seen in ${why})`),
      h('text', { x: g.mid.x, y: g.mid.y + 11 }, `${t.kind === 'ipip' ? 'IPIP' : 'VXLAN'}${t.traffic ? ' ⇄' : ''}`));
  }));
}

/** Which overlays are on. */
export interface OverlayToggles {
  readonly bgp: boolean;
  readonly tunnels: boolean;
  readonly pods: boolean;
  /** VLAN / L2 segment outlines. */
  readonly vlans: boolean;
}

/** The toggles and a legend. */
export function OverlayControls(p: { readonly on: OverlayToggles; readonly onChange: (t: OverlayToggles) => void; readonly counts: { bgp: number; tunnels: number; pods: number; vlans: number } }) {
  const box = (k: keyof OverlayToggles, label: string) => h('label', { key: k, title: `show ${label}` },
    h('input', { type: 'checkbox', checked: p.on[k], onChange: () => p.onChange({ ...p.on, [k]: !p.on[k] }), 'data-testid': `overlay-${k}-toggle` }), ` ${label} (${p.counts[k]})`);
  return h('div', { className: 'overlay-controls', 'data-testid': 'overlay-controls' },
    box('bgp', 'BGP sessions'), box('tunnels', 'tunnels'), box('pods', 'pods'), box('vlans', 'VLAN areas'),
    p.on.bgp && p.counts.bgp > 0 && h(Fragment, null,
      h('span', { className: 'legend up' }, '━ Established'), h('span', { className: 'legend connecting' }, '━ Active/Connect'), h('span', { className: 'legend down' }, '━ Idle'),
      h('span', { className: 'legend' }, '┅ eBGP'), h('span', { className: 'legend' }, '→ reflector to client')));
}
