/**
 * Zoom and pan with d3-zoom — one of the two places d3 touches the DOM. d3 owns only the
 * `transform` attribute of the layer group; React renders everything inside it. Gestures
 * that start on a node are left to the node's drag handler.
 */
import { useEffect, useRef, type RefObject } from 'react';
import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';

/**
 * Attaches zoom/pan to `svg`, transforming `layer`; returns a function that fits a box into view.
 * `onZoom` hears every transform (level of detail and culling decide from it what to draw);
 * it is read through a ref so a new callback does not re-attach the behaviour.
 */
export function useZoom(svg: RefObject<SVGSVGElement | null>, layer: RefObject<SVGGElement | null>, scaleRef: { current: number },
  onZoom?: (t: { k: number; x: number; y: number }) => void): (box: { x: number; y: number; w: number; h: number }) => void {
  const behaviour = useRef<ZoomBehavior<SVGSVGElement, unknown> | undefined>(undefined);
  const listener = useRef(onZoom);
  listener.current = onZoom;
  useEffect(() => {
    const s = svg.current;
    if (!s) return;
    const z = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.02, 4])
      .filter((ev: Event) => !(ev.target as Element).closest?.('.node') && !(ev as MouseEvent).button)
      .on('zoom', (ev: { transform: { k: number; x: number; y: number; toString(): string } }) => {
        scaleRef.current = ev.transform.k;
        layer.current?.setAttribute('transform', ev.transform.toString());
        listener.current?.(ev.transform);
      });
    behaviour.current = z;
    select(s).call(z).on('dblclick.zoom', null);
    return () => void select(s).on('.zoom', null);
  }, [svg, layer, scaleRef]);
  return (box) => {
    const s = svg.current;
    const z = behaviour.current;
    if (!s || !z) return;
    const W = s.clientWidth || 800;
    const H = s.clientHeight || 600;
    const k = Math.min(2, 0.92 * Math.min(W / Math.max(1, box.w), H / Math.max(1, box.h)));
    const t = zoomIdentity.translate(W / 2 - k * (box.x + box.w / 2), H / 2 - k * (box.y + box.h / 2)).scale(k);
    select(s).call(z.transform, t);
  };
}
