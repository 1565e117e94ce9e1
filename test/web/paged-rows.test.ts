/**
 * The inspector's long tables render a page of rows, never hiding the step's route changes:
 * rendered to HTML by React (react-dom/server), as the page would build them.
 */
import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { h } from '../../web/src/components/h.ts';
import { PAGE_ROWS, rowsToShow } from '../../web/src/components/PagedRows.ts';
import { BgpTable, RoutesTable } from '../../web/src/components/InspectorTables.ts';

/** `ip route` of a node with `n` other nodes' blocks via tunl0 (10.5.X.0/26 via 10.30.Y.Z). */
const ipRoute = (n: number): string => [
  'default via 10.30.1.1 dev eth0 proto static',
  '10.30.1.0/24 dev eth0 proto kernel scope link src 10.30.1.10',
  'blackhole 10.5.0.0/26 proto bird',
  ...Array.from({ length: n }, (_, i) => `10.5.${(i + 1) >> 2}.${((i + 1) & 3) * 64}/26 via 10.30.${1 + (i >> 8)}.${i & 255} dev tunl0 proto bird onlink`),
].join('\n');

const rowCount = (html: string): number => (html.match(/<tr(?! class="(group-row|more-rows)")/g) ?? []).length - 1; // minus the header row

describe('inspector tables a page at a time', () => {
  it('shows the whole table when the rest would be under half a page', () => {
    expect(rowsToShow(PAGE_ROWS + PAGE_ROWS / 2, PAGE_ROWS)).toBe(PAGE_ROWS + PAGE_ROWS / 2);
    expect(rowsToShow(PAGE_ROWS + PAGE_ROWS / 2 + 1, PAGE_ROWS)).toBe(PAGE_ROWS);
    expect(rowsToShow(10, PAGE_ROWS)).toBe(10);
  });

  it("builds a 999-route table's first page and offers the rest", () => {
    const html = renderToStaticMarkup(h(RoutesTable, { text: ipRoute(999) }));
    // proto static 1, kernel 1 (whole), bird 1,000 (a page).
    expect(rowCount(html)).toBe(2 + PAGE_ROWS);
    expect(html).toContain('proto bird (1000)');
    expect(html).toContain(`${PAGE_ROWS} of 1000 shown`);
    expect(html).toContain(`show ${PAGE_ROWS} more`);
    expect(html).toContain('show all 1000');
  });

  it("lists the step's added and removed routes first in a paged group", () => {
    const text = ipRoute(999);
    const last = text.split('\n').at(-1)!;
    const removed = '10.9.9.0/26 via 10.30.9.9 dev tunl0 proto bird onlink';
    const html = renderToStaticMarkup(h(RoutesTable, { text, added: [last], removed: [removed] }));
    const firstRows = html.split('class="group-row"')[3]!.split('</tr>').slice(1, 3).join('');
    expect(firstRows).toContain(last.split(' ')[0]);
    expect(firstRows).toContain('10.9.9.0/26');
    expect(html).toMatch(/class="changed"/);
    expect(html).toMatch(/class="removed"/);
  });

  it("shows a reflector's first page of sessions as birdc prints them", () => {
    const lines = ['Name       Proto      Table      State  Since         Info', 'device1    Device     ---        up     12:00:00', ...Array.from({ length: 400 }, (_, i) => `Node_10_30_${i >> 8}_${i & 255} BGP        ---        up     12:00:01      Established`)];
    const html = renderToStaticMarkup(h(BgpTable, { text: lines.join('\n') }));
    expect(rowCount(html)).toBe(PAGE_ROWS);
    expect(html).toContain(`${PAGE_ROWS} of 401 shown`);
    expect(html).toContain('Node_10_30_0_148');
    expect(html).not.toContain('Node_10_30_0_149<');
  });
});
