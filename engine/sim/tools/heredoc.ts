/**
 * Here-documents, the one piece of shell syntax the lab's shells understand beyond quoting:
 * `kubectl apply -f - <<EOF` followed by a pasted manifest and a line `EOF` is how users
 * feed a tool's stdin at a terminal. The terminal shell (`podlab up`) and the web terminal
 * use `heredocTerminator` to know they must keep reading lines; `splitHeredoc` turns the
 * whole text back into a command line and its stdin. Pure (the web bundle imports it).
 */

const MARK = /(?:^|\s)<<(-?)\s*(?:'([^']+)'|"([^"]+)"|([A-Za-z0-9_.-]+))\s*$/;

/** The word that ends the here-document a command line opens (`<<EOF` → `EOF`), or undefined when it opens none. */
export function heredocTerminator(line: string): string | undefined {
  const m = MARK.exec(line);
  return m ? (m[2] ?? m[3] ?? m[4]) : undefined;
}

/** A command line and what it feeds to stdin. */
export interface HeredocCommand {
  readonly line: string;
  readonly stdin?: string;
}

/**
 * Text whose first line may open a here-document → the command line without `<<WORD`, and
 * the lines up to the terminator as stdin (each ending in a newline, as bash passes them).
 * A missing terminator is accepted at the end of the text, as bash does (with a warning).
 */
export function splitHeredoc(text: string): HeredocCommand {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const m = MARK.exec(first);
  if (!m) return { line: text };
  const word = m[2] ?? m[3] ?? m[4]!;
  const stripTabs = m[1] === '-';
  const body: string[] = [];
  for (const raw of nl < 0 ? [] : text.slice(nl + 1).split('\n')) {
    const l = stripTabs ? raw.replace(/^\t+/, '') : raw;
    if (l === word) break;
    body.push(l);
  }
  // A trailing newline of the pasted text is not an extra empty line of the document.
  if (body.length && body[body.length - 1] === '' && !text.includes(`\n${word}`)) body.pop();
  return { line: first.slice(0, m.index).trimEnd(), stdin: body.map((l) => `${l}\n`).join('') };
}
