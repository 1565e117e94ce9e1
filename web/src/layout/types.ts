/** Geometry the layout produces: plain numbers, no DOM. */

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A box drawn behind a group of nodes. */
export interface GroupBox {
  readonly kind: 'rack' | 'floor';
  readonly id: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Sizes the layout works with (pixels in SVG user space). */
export interface LayoutOptions {
  readonly nodeW: number;
  readonly nodeH: number;
  readonly gapX: number;
  readonly gapY: number;
  /** Nodes per row inside one group before the group wraps to another row. */
  readonly maxPerGroupRow: number;
  /** Nodes per row of an ungrouped tier before it wraps. */
  readonly maxPerRow: number;
  /** Space between group columns. */
  readonly groupGap: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { nodeW: 128, nodeH: 44, gapX: 28, gapY: 110, maxPerGroupRow: 8, maxPerRow: 24, groupGap: 48 };

export interface Layout {
  /** Centre of each node. */
  readonly positions: ReadonlyMap<string, Point>;
  readonly groups: readonly GroupBox[];
  readonly width: number;
  readonly height: number;
}
