/**
 * The selected packet travelling its path: a dot that steps through the hops (node stops and
 * wires between them) on a timer, with play/pause and the current hop's text.
 */
import { useEffect, useState } from 'react';
import { h } from '../h.ts';
import type { PathStop } from '../../domain/packet-path.ts';
import { DEFAULT_LAYOUT, type Point } from '../../layout/types.ts';
import { pointOnLink } from '../../layout/links.ts';
import { hopCause } from '../../domain/hop-cause.ts';

export interface PathOverlayProps {
  readonly stops: readonly PathStop[];
  readonly positions: ReadonlyMap<string, Point>;
  readonly routes?: ReadonlyMap<string, string>;
}

const STEP_MS = 550;
const SHAPE = { tierPitch: DEFAULT_LAYOUT.nodeH + DEFAULT_LAYOUT.gapY, bow: DEFAULT_LAYOUT.nodeW };

/** Where the dot is at a stop. */
function stopPoint(s: PathStop, pos: ReadonlyMap<string, Point>): Point | undefined {
  if (s.kind === 'node') {
    // On the node's top-right corner, so the name stays readable under it.
    const p = pos.get(s.node);
    return p && { x: p.x + DEFAULT_LAYOUT.nodeW / 2 - 12, y: p.y - DEFAULT_LAYOUT.nodeH / 2 };
  }
  const a = pos.get(s.from);
  const b = pos.get(s.to);
  return a && b ? pointOnLink(a, b, 0.5, SHAPE) : undefined;
}

/** Animated packet dot over the topology. */
export function PathOverlay(p: PathOverlayProps) {
  const [i, setI] = useState(0);
  useEffect(() => {
    setI(0);
    if (p.stops.length < 2) return;
    const id = setInterval(() => setI((x) => (x + 1) % (p.stops.length + 2)), STEP_MS); // two beats of rest at the end
    return () => clearInterval(id);
  }, [p.stops]);
  if (!p.stops.length) return null;
  const s = p.stops[Math.min(i, p.stops.length - 1)]!;
  const at = stopPoint(s, p.positions);
  if (!at) return null;
  const bad = s.hop.hop === 'drop';
  // data-stop*: where the dot is now (tests and screen readers follow the animation by them).
  const where = s.kind === 'node' ? s.node : `${s.from}→${s.to}`;
  return h('g', { className: 'path-overlay', 'data-testid': 'packet-dot', 'data-stop': Math.min(i, p.stops.length - 1), 'data-stop-at': where, 'data-stop-hop': s.hop.hop, 'aria-label': `packet at ${where}: ${s.hop.hop}` },
    h('circle', { className: `packet-dot hop-${s.hop.hop}${bad ? ' bad' : ''}`, r: 9, style: { transform: `translate(${at.x}px, ${at.y}px)` } },
      h('title', null, hopCause(s.hop, p.routes ?? new Map()) ?? s.hop.text)),
    h('text', { className: 'packet-hop', x: at.x + 14, y: at.y - 12 }, `${s.hop.hop}${s.hop.dev ? ` ${s.hop.dev}` : ''}${s.hop.reason ? ` (${s.hop.reason})` : ''}${s.hop.tunnel ? ` ${s.hop.tunnel}` : ''}`));
}
