/**
 * The order a large drawing's detail window is refilled in (Topology/useReveal.ts): the
 * selected node and the packet's path first, then outward from the window's middle.
 */
import { describe, expect, it } from 'vitest';
import { revealOrder } from '../../web/src/components/Topology/useReveal.ts';

const positions = new Map([['a', { x: 0, y: 0 }], ['b', { x: 100, y: 0 }], ['c', { x: 50, y: 10 }], ['d', { x: 400, y: 400 }], ['e', { x: 60, y: 0 }]]);

describe('revealOrder', () => {
  it('puts the nodes of attention first, then the rest nearest the middle first', () => {
    const shown = new Set(['a', 'b', 'c', 'd', 'e']);
    expect(revealOrder(shown, positions, { x0: 0, y0: 0, x1: 100, y1: 0 }, ['d'])).toEqual(['d', 'c', 'e', 'a', 'b']);
  });

  it('leaves out nodes of attention that are not shown, and mounts every shown node once', () => {
    const shown = new Set(['a', 'c']);
    const order = revealOrder(shown, positions, { x0: 0, y0: 0, x1: 100, y1: 20 }, ['d', 'c', 'c']);
    expect(order).toEqual(['c', 'a']);
  });
});
