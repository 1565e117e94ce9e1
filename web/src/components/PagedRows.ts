/**
 * The rows of a long table body a page at a time: the first `page` rows, then one row that
 * offers the next page or all of them. A route reflector of a 1,000-node fabric has ~1,000 BGP
 * sessions, routes and blocks; laid out as full tables they were one 300 ms main-thread task
 * every time the inspector re-read the node. Only the rows shown are built (the caller passes
 * a row renderer, not elements), so the cost follows what is on screen, not the table's length.
 */
import { useState, type ReactNode } from 'react';
import { h, Fragment } from './h.ts';

/** Rows a long table shows before its "show more" row; a table this short renders whole. */
export const PAGE_ROWS = 150;

/** How many rows to show: the first `shown`, or all when the rest would be under half a page (not worth a click). */
export function rowsToShow(total: number, shown: number, page = PAGE_ROWS): number {
  return total - shown <= page / 2 ? total : Math.min(total, shown);
}

export interface PagedRowsProps<T> {
  readonly items: readonly T[];
  readonly row: (item: T, index: number) => ReactNode;
  /** Columns of the table, for the "show more" row's one cell. */
  readonly colSpan: number;
  readonly page?: number;
}

/** The first page of `items` as rows, then "show N more · show all M" while any are left. */
export function PagedRows<T>(p: PagedRowsProps<T>) {
  const page = p.page ?? PAGE_ROWS;
  const [shown, setShown] = useState(page);
  const n = rowsToShow(p.items.length, shown, page);
  const rows: ReactNode[] = [];
  for (let i = 0; i < n; i++) rows.push(p.row(p.items[i]!, i));
  const left = p.items.length - n;
  return h(Fragment, null, rows, left > 0 && h('tr', { className: 'more-rows', 'data-testid': 'more-rows', key: 'more-rows' },
    h('td', { colSpan: p.colSpan, className: 'muted' }, `${n} of ${p.items.length} shown · `,
      h('button', { onClick: () => setShown(n + page), 'data-testid': 'show-more' }, `show ${Math.min(page, left)} more`), ' ',
      h('button', { onClick: () => setShown(p.items.length), 'data-testid': 'show-all' }, `show all ${p.items.length}`))));
}
