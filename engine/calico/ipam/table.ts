/**
 * The ASCII tables calicoctl prints (olekukonko/tablewriter with its defaults):
 *
 *   +----------+---------------+-----------+------------+--------------+
 *   | GROUPING |     CIDR      | IPS TOTAL | IPS IN USE |   IPS FREE   |
 *   +----------+---------------+-----------+------------+--------------+
 *   | IP Pool  | 10.244.0.0/16 |     65536 | 41 (0%)    | 65495 (100%) |
 *   +----------+---------------+-----------+------------+--------------+
 *
 * Headers are centred (extra space on the right), numeric cells right-aligned, others left.
 */

const NUMERIC = /^-?(?:\d{1,3}(?:,\d{3})*|\d+)(?:\.\d+)?$/;

function center(s: string, w: number): string {
  const gap = w - s.length;
  const left = Math.floor(gap / 2);
  return ' '.repeat(left) + s + ' '.repeat(gap - left);
}

/** Renders a header and rows as calicoctl's table, ending with a newline. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const fmt = (cells: string[], head: boolean): string =>
    `|${cells.map((c, i) => {
      const w = widths[i]!;
      const body = head ? center(c, w) : NUMERIC.test(c) ? c.padStart(w) : c.padEnd(w);
      return ` ${body} `;
    }).join('|')}|`;
  const out = [line, fmt(header, true), line, ...rows.map((r) => fmt(header.map((_, i) => r[i] ?? ''), false)), line];
  return `${out.join('\n')}\n`;
}

/** Go's `%.5g` for the magnitudes calicoctl prints (integers; large ones as 1.0486e+06). */
export function goG5(v: number): string {
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 5) {
    const [m, e] = v.toExponential(4).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, 4 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Go's `%.f`: round to an integer, ties to even (strconv's rounding of the exact value). */
export function goRound0(x: number): string {
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return String(r);
}
