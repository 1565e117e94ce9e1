/**
 * The detail window of a large drawing refilled a chunk per animation frame. Each time a
 * zoom or pan settles, the SVG layer takes a new transform, and every element it holds is
 * painted again — at a new scale every text is laid out again too (SVG text is shaped at
 * its screen size). With a few hundred labelled nodes in the window that is one frame of
 * 100 ms or more. Instead the window is emptied as the transform changes and its nodes come
 * back `perFrame` at a time, nearest the middle of the view first (the selected node and
 * the packet's path before all), over the sharp canvas that already shows every box and
 * cable: no frame carries more than a chunk's layout and paint.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Rect } from '../../layout/detail.ts';
import type { Point } from '../../layout/types.ts';

/** The nodes of `shown` in the order they are mounted: `first` (in view of the user's attention), then by distance from the window's middle. */
export function revealOrder(shown: ReadonlySet<string>, positions: ReadonlyMap<string, Point>, window: Rect | undefined, first: Iterable<string>): string[] {
  const lead = new Set([...first].filter((id) => shown.has(id)));
  const head = [...lead];
  const cx = window ? (window.x0 + window.x1) / 2 : 0;
  const cy = window ? (window.y0 + window.y1) / 2 : 0;
  const d = (id: string): number => {
    const p = positions.get(id);
    return p ? (p.x - cx) ** 2 + (p.y - cy) ** 2 : Infinity;
  };
  const rest = [...shown].filter((id) => !lead.has(id)).map((id) => [d(id), id] as const).sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return [...head, ...rest.map(([, id]) => id)];
}

/**
 * How much of `order` is mounted: none right after `generation` changes (a settle), then
 * `perFrame` more every animation frame until all; marks `podlab:detail-complete` (bench/ui)
 * when a refill ends.
 */
export function useReveal(order: readonly string[], generation: number, perFrame: number): { readonly revealed: ReadonlySet<string>; readonly complete: boolean } {
  const [state, setState] = useState({ generation, count: 0 });
  // A new generation starts from nothing in this very render: the frame that shows the new
  // transform must not paint the old window's elements at it.
  const count = state.generation === generation ? state.count : 0;
  const complete = count >= order.length;
  const marked = useRef(generation);
  useEffect(() => {
    if (complete) {
      if (marked.current !== generation) {
        marked.current = generation;
        performance.mark('podlab:detail-complete');
      }
      return;
    }
    const id = requestAnimationFrame(() => setState({ generation, count: count + perFrame }));
    return () => cancelAnimationFrame(id);
  }, [generation, count, complete, perFrame]);
  const revealed = useMemo(() => new Set(order.slice(0, count)), [order, count]);
  return { revealed, complete };
}
