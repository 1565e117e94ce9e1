/**
 * Command-line plumbing shared by the simulated node tools: the result type, a shell-like
 * splitter for scenario strings (`exec: ip route`), and iproute2's keyword matching.
 *
 * Nothing here runs a shell: the splitter understands quotes and backslashes only, never
 * expansion, globbing, pipes or redirection, so a scenario line can only name one tool.
 */

/** What a tool run returns: the exact bytes a terminal would show, and the exit status. */
export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A tool failure carrying the text the real tool prints on stderr and its exit status. */
export class ToolFailure extends Error {
  override name = 'ToolFailure';
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

/** Thrown by `splitCommandLine` for input a shell would reject (an unterminated quote). */
export class CommandLineError extends Error {
  override name = 'CommandLineError';
}

/**
 * Splits a command line into argv the way a POSIX shell tokenises words, with quoting only:
 * single quotes are literal, double quotes honour \" \\ \$ \`, a backslash outside quotes
 * escapes the next character. `$`, `*`, `|`, `;`, `>` are ordinary characters here.
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated single quote in: ${line}`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new CommandLineError(`unterminated double quote in: ${line}`);
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
          if (line[i + 1] !== '\n') cur += line[i + 1];
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) {
        if (line[i + 1] !== '\n') {
          cur += line[i + 1];
          inWord = true;
        }
        i += 2;
      } else {
        i++;
      }
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** iproute2's matches(): `word` abbreviates `keyword` (a non-empty prefix of it). */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && word.length <= keyword.length && keyword.startsWith(word);
}

/** A cursor over argv with the helpers iproute2's NEXT_ARG() style parsers need. */
export class Args {
  private i = 0;
  constructor(private readonly argv: readonly string[], private readonly incomplete: () => never) {}

  /** True when words remain. */
  get more(): boolean {
    return this.i < this.argv.length;
  }

  /** The current word (undefined at the end). */
  peek(): string | undefined {
    return this.argv[this.i];
  }

  /** Consumes and returns the current word. */
  take(): string {
    const w = this.argv[this.i];
    if (w === undefined) return this.incomplete();
    this.i++;
    return w;
  }

  /** Consumes the value that must follow a keyword, or fails like NEXT_ARG(). */
  value(): string {
    return this.take();
  }

  /** Everything not consumed yet. */
  rest(): string[] {
    return this.argv.slice(this.i);
  }
}
