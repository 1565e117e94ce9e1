/**
 * Zoom and pan with d3-zoom — one of the two places d3 touches the DOM. d3 owns only the
 * `transform` attribute of the layer group (and, during a gesture on a large drawing, the
 * CSS transform of the stage); React renders everything inside it. Gestures that start on
 * a node are left to the node's drag handler.
 *
 * Large drawings zoom in two phases. While the wheel turns or the pointer pans, only the
 * stage — the canvas and the SVG as last painted — moves, by a CSS transform the compositor
 * applies to the picture it already has: no DOM change, no layout, no repaint of thousands
 * of elements. Once the gesture pauses (`settleMs` after its last event) the layer takes the
 * new transform and the drawing is redrawn sharp at the new level of detail. What the moved
 * picture leaves uncovered (zooming out, a long pan) is not redrawn in the SVG mid-gesture:
 * `onMove` hears every transform of the gesture, and the caller repaints the canvas under
 * the stage — one paint of a few draw calls per frame instead of thousands of elements.
 * A programmatic transform (fit) is applied at once.
 */
import { useEffect, useRef, type RefObject } from 'react';
import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';

type Transform = { k: number; x: number; y: number };

/** The CSS transform that takes the picture painted at `from` to where `to` puts it (origin top-left). */
export function stageTransform(from: Transform, to: Transform): string {
  const s = to.k / from.k;
  return `matrix(${s},0,0,${s},${to.x - s * from.x},${to.y - s * from.y})`;
}

/** Two-phase zoom of large drawings: the stage to move during a gesture and how long a pause ends it. */
export interface DeferredZoom {
  readonly stage: RefObject<HTMLElement | null>;
  /** Read at every event: small drawings redraw at once. */
  readonly enabled: () => boolean;
  readonly settleMs: number;
  /** Every transform of a gesture, as it happens (the stage shows the last picture moved there). */
  readonly onMove?: (t: Transform) => void;
}

/**
 * Attaches zoom/pan to `area` (an element that itself never moves), transforming `layer`;
 * returns a function that fits a box into view. `onZoom` hears every transform the drawing
 * is drawn at (level of detail and culling decide from it what to draw) — with `deferred`,
 * only the one a gesture settles on; it is read through a ref so a new callback does not
 * re-attach the behaviour.
 */
export function useZoom(area: RefObject<HTMLElement | null>, layer: RefObject<SVGGElement | null>, scaleRef: { current: number },
  onZoom?: (t: Transform) => void, deferred?: DeferredZoom): (box: { x: number; y: number; w: number; h: number }) => void {
  const behaviour = useRef<ZoomBehavior<HTMLElement, unknown> | undefined>(undefined);
  const listener = useRef(onZoom);
  listener.current = onZoom;
  const defer = useRef(deferred);
  defer.current = deferred;
  useEffect(() => {
    const s = area.current;
    if (!s) return;
    let drawn: Transform = { k: 1, x: 0, y: 0 };
    let timer: ReturnType<typeof setTimeout> | undefined;
    /** Draws at `t`; `why` marks a deferred redraw for bench/ui (the pause). */
    const commit = (t: Transform & { toString(): string }, why?: 'settled'): void => {
      clearTimeout(timer);
      timer = undefined;
      if (why) performance.mark(`podlab:zoom-${why}`);
      drawn = { k: t.k, x: t.x, y: t.y };
      // The listener first: it reads sizes and may empty the detail window (Topology.ts); a
      // size read after the new transform would lay out every text of the old window at it.
      listener.current?.(drawn);
      layer.current?.setAttribute('transform', t.toString());
      const stage = defer.current?.stage.current;
      if (stage) stage.style.transform = '';
    };
    const z = zoom<HTMLElement, unknown>()
      .scaleExtent([0.02, 4])
      .filter((ev: Event) => !(ev.target as Element).closest?.('.node') && !(ev as MouseEvent).button)
      .on('zoom', (ev: { transform: Transform & { toString(): string }; sourceEvent: unknown }) => {
        const t = ev.transform;
        scaleRef.current = t.k;
        const d = defer.current;
        const stage = d?.stage.current;
        if (!d || !stage || !ev.sourceEvent || !d.enabled()) return commit(t);
        stage.style.transform = stageTransform(drawn, t);
        d.onMove?.({ k: t.k, x: t.x, y: t.y });
        clearTimeout(timer);
        timer = setTimeout(() => commit(t, 'settled'), d.settleMs);
      });
    behaviour.current = z;
    select(s).call(z).on('dblclick.zoom', null);
    return () => {
      clearTimeout(timer);
      select(s).on('.zoom', null);
    };
  }, [area, layer, scaleRef]);
  return (box) => {
    const s = area.current;
    const z = behaviour.current;
    if (!s || !z) return;
    const W = s.clientWidth || 800;
    const H = s.clientHeight || 600;
    const k = Math.min(2, 0.92 * Math.min(W / Math.max(1, box.w), H / Math.max(1, box.h)));
    const t = zoomIdentity.translate(W / 2 - k * (box.x + box.w / 2), H / 2 - k * (box.y + box.h / 2)).scale(k);
    select(s).call(z.transform, t);
  };
}
