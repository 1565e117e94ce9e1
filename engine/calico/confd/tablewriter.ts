/**
 * The table layout of github.com/olekukonko/tablewriter v0.0.5 (what calicoctl v3.30.7
 * vendors) with its defaults: `+---+` borders, header upper-cased and centred, cells
 * left-aligned (right-aligned when they look like a number), and cells wider than 30
 * columns wrapped on spaces with minimal raggedness onto extra table lines.
 */

const MAX_WIDTH = 30;
const PENALTY = 1e5;
const DECIMAL = /^-?(?:\d{1,3}(?:,\d{3})*|\d+)(?:\.\d+)?$/;

function width(s: string): number {
  return [...s].length;
}

/**
 * Splits words into lines of at most `lim` columns minimising the sum of squared slack
 * (the last line is free); a word longer than `lim` gets a line of its own.
 */
export function wrapWords(words: readonly string[], limit: number): string[][] {
  const n = words.length;
  // As WrapString does: the limit grows to the longest word, so every word fits somewhere.
  const lim = Math.max(limit, ...words.map(width));
  const len = (i: number, j: number) => words.slice(i, j + 1).reduce((a, w) => a + width(w), 0) + (j - i);
  const cost: number[] = new Array(n).fill(Number.MAX_SAFE_INTEGER);
  const brk: number[] = new Array(n).fill(n);
  for (let i = n - 1; i >= 0; i--) {
    if (len(i, n - 1) <= lim) {
      cost[i] = 0;
      brk[i] = n;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      const l = len(i, j - 1);
      const d = lim - l;
      const c = d * d + cost[j]! + (l > lim ? PENALTY : 0);
      if (c < cost[i]!) {
        cost[i] = c;
        brk[i] = j;
      }
    }
  }
  const lines: string[][] = [];
  for (let i = 0; i < n; i = brk[i]!) lines.push(words.slice(i, brk[i]));
  return lines;
}

/** A cell's lines and the width it claims (at most 30 unless one word is longer). */
function dimension(text: string): { lines: string[]; width: number } {
  const raw = text.split('\n');
  let max = Math.min(Math.max(...raw.map(width)), MAX_WIDTH);
  const lines = wrapWords(raw.join(' ').split(' '), max).map((l) => l.join(' '));
  for (const l of lines) if (width(l) > max) max = width(l);
  return { lines, width: max };
}

/** Header text as tablewriter's Title(): `_` and non-numeric `.` become spaces, upper case. */
function title(h: string): string {
  const cs = [...h];
  const numOrSpace = (c: string | undefined) => c !== undefined && /[0-9 ]/.test(c);
  cs.forEach((c, i) => {
    if (c === '_') cs[i] = ' ';
    else if (c === '.' && ((i !== 0 && !numOrSpace(cs[i - 1])) || (i !== cs.length - 1 && !numOrSpace(cs[i + 1])))) cs[i] = ' ';
  });
  const t = cs.join('').trim();
  return (t === '' && h.length > 0 ? ' ' : t).toUpperCase();
}

function center(s: string, w: number): string {
  const gap = w - width(s);
  if (gap <= 0) return s;
  const left = Math.floor(gap / 2);
  return ' '.repeat(left) + s + ' '.repeat(gap - left);
}

/** Renders a table the way tablewriter.NewWriter(…) + SetHeader + Append + Render does. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cols = header.length;
  const widths = header.map((h) => dimension(h).width);
  const cells = rows.map((r) => Array.from({ length: cols }, (_, c) => {
    const d = dimension(r[c] ?? '');
    if (d.width > widths[c]!) widths[c] = d.width;
    return d.lines;
  }));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  let out = rule;
  out += `|${header.map((h, c) => ` ${center(title(h), widths[c]!)} |`).join('')}\n`;
  out += rule;
  for (const r of cells) {
    const height = Math.max(...r.map((l) => l.length));
    for (let x = 0; x < height; x++) {
      out += `|${r.map((lines, c) => {
        const s = lines[x] ?? '';
        const w = widths[c]!;
        const pad = ' '.repeat(Math.max(0, w - width(s)));
        return ` ${DECIMAL.test(s.trim()) ? pad + s : s + pad} |`;
      }).join('')}\n`;
    }
  }
  return out + rule;
}
