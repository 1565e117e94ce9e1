/**
 * The line being typed in the browser terminal, as readline keeps it: text, cursor, history.
 * Pure: each key returns the escape sequence that redraws the change on the terminal, so
 * the xterm shell only writes what this returns and tests need no DOM.
 */

const left = (n: number): string => (n > 0 ? `\x1b[${n}D` : '');

export class LineEditor {
  line = '';
  private cursor = 0;
  private readonly history: string[] = [];
  /** Index into history while browsing it (history.length: the line being typed). */
  private browsing = 0;
  private draft = '';

  /** Applies typed data (one key, or pasted text); returns what to echo, undefined to ignore. */
  key(d: string): string | undefined {
    switch (d) {
      case '\x7f': case '\b': // Backspace
        if (this.cursor === 0) return '';
        return this.edit(this.line.slice(0, this.cursor - 1) + this.line.slice(this.cursor), this.cursor - 1);
      case '\x1b[3~': // Delete
        if (this.cursor === this.line.length) return '';
        return this.edit(this.line.slice(0, this.cursor) + this.line.slice(this.cursor + 1), this.cursor);
      case '\x1b[D': if (this.cursor === 0) return ''; this.cursor--; return '\x1b[D';
      case '\x1b[C': if (this.cursor === this.line.length) return ''; this.cursor++; return '\x1b[C';
      case '\x1b[H': case '\x01': { const s = left(this.cursor); this.cursor = 0; return s; }
      case '\x1b[F': case '\x05': { const n = this.line.length - this.cursor; this.cursor = this.line.length; return n > 0 ? `\x1b[${n}C` : ''; }
      case '\x15': return this.replace(''); // Ctrl-U
      case '\x1b[A': return this.browse(-1);
      case '\x1b[B': return this.browse(1);
    }
    if (d.startsWith('\x1b')) return undefined; // other escape sequences: not line editing
    // Printable text (a key or a paste): control characters other than tab are dropped.
    const text = d.replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\t' ? ' ' : ''));
    if (!text) return undefined;
    return this.edit(this.line.slice(0, this.cursor) + text + this.line.slice(this.cursor), this.cursor + text.length);
  }

  /** Replaces the whole line (completion, history); returns the redraw. */
  replace(next: string): string {
    return this.edit(next, next.length);
  }

  /** Ends the line (Enter): returns it and records it in the history. */
  submit(): string {
    const line = this.line;
    const t = line.trim();
    if (t && this.history[this.history.length - 1] !== t) this.history.push(t);
    this.browsing = this.history.length;
    this.line = '';
    this.cursor = 0;
    this.draft = '';
    return line;
  }

  /** Drops the line (Ctrl-C). */
  clear(): void {
    this.line = '';
    this.cursor = 0;
    this.browsing = this.history.length;
  }

  private browse(dir: -1 | 1): string {
    const to = Math.min(this.history.length, Math.max(0, this.browsing + dir));
    if (to === this.browsing) return '';
    if (this.browsing === this.history.length) this.draft = this.line;
    this.browsing = to;
    return this.replace(to === this.history.length ? this.draft : this.history[to]!);
  }

  /** Sets line and cursor; the redraw goes back to the input's start, rewrites it, clears the rest, and puts the cursor back. */
  private edit(next: string, cursor: number): string {
    const back = left(this.cursor);
    this.line = next;
    this.cursor = cursor;
    return `${back}${next}\x1b[K${left(next.length - cursor)}`;
  }
}
