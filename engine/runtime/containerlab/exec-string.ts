/**
 * argv → one containerlab `exec` string.
 *
 * containerlab splits an exec string with google/shlex (exec/exec.go) and runs the words
 * directly, without a shell; before that it expands `${VAR}` over the whole topology file,
 * where `$$` stands for a literal `$`. So a word is safe when shlex gives it back unchanged
 * and the expansion leaves it alone: plain words stay bare, anything else goes in single
 * quotes (shlex keeps their content literally, `'\''` closes, escapes and reopens), and
 * every `$` is doubled.
 */

/** Words that need no quoting for shlex (no blanks, quotes, backslash, `#`, `$`). */
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell or shlex: bare when safe, else single-quoted. */
export function shQuote(word: string): string {
  if (word !== '' && BARE.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** One exec string that containerlab turns back into exactly `argv` (quoted, `$` doubled). */
export function execString(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('execString: empty argv');
  return argv.map(shQuote).join(' ').replaceAll('$', '$$$$');
}
