/** Dragged node positions, persisted per topology in localStorage. */
import type { Point } from '../../layout/types.ts';

const key = (topology: string): string => `podlab:positions:${topology}`;

/** The saved positions of a topology's nodes (empty when none or unreadable). */
export function loadPositions(topology: string): Map<string, Point> {
  try {
    const raw = JSON.parse(localStorage.getItem(key(topology)) ?? '{}') as Record<string, [number, number]>;
    return new Map(Object.entries(raw).filter(([, v]) => Array.isArray(v) && v.length === 2 && v.every(Number.isFinite)).map(([k, [x, y]]) => [k, { x, y }]));
  } catch {
    return new Map();
  }
}

/** Saves positions (an empty map forgets them). */
export function savePositions(topology: string, pos: ReadonlyMap<string, Point>): void {
  try {
    if (!pos.size) localStorage.removeItem(key(topology));
    else localStorage.setItem(key(topology), JSON.stringify(Object.fromEntries([...pos].map(([k, p]) => [k, [Math.round(p.x), Math.round(p.y)]]))));
  } catch {
    /* storage full or disabled: positions live for this page only */
  }
}
