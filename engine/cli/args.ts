/**
 * The one argument parser every `podlab` command uses: a command declares its options and
 * positionals once, and gets from that declaration its parsing, its `--help` text (options,
 * defaults, an example) and its errors, all worded the same way:
 *
 *   podlab run: unknown option '--x' (podlab run --help)          → exit 2
 *
 * Built on Node's own `util.parseArgs` rather than commander or citty: podlab's commands are
 * flat (no nested subcommands, no plugins), `parseArgs` already knows `--opt=value`, `-c1`,
 * grouped short flags and `--`, and a dependency fewer is one less thing to load at start-up
 * (every command pays for it) and to audit. What it lacks — integers, choices, required
 * options, positional arity, help text — is the small layer below.
 *
 * Exit codes (DESIGN.md): 0 ok, 1 an expectation/check/validation failed (the command
 * decides), 2 usage or input error. A command signals the latter by throwing UsageError
 * (shown with the `--help` hint) or InputError (a bad file, a busy port…: the message is
 * enough); `reportError` turns anything else thrown into one line too — the stack trace
 * only with `--debug`.
 */
import { parseArgs } from 'node:util';

/** How an option's value is read: a flag, a string, or an integer (checked against min/max). */
export type OptionType = 'boolean' | 'string' | 'integer';

/** One `--name` option of a command. */
export interface OptionSpec {
  readonly type: OptionType;
  /** One line for `--help`. */
  readonly description: string;
  /** A one-letter alias: `-o DIR`, `-c1`. */
  readonly short?: string;
  /** The value's name in `--help` (`FILE`, `N`); defaults to the choices or VALUE/N. */
  readonly value?: string;
  readonly default?: string | number | boolean;
  /** The only values a string option accepts. */
  readonly choices?: readonly string[];
  /** Bounds of an integer option (inclusive). */
  readonly min?: number;
  readonly max?: number;
  /** Missing means a usage error. */
  readonly required?: boolean;
}

/** One positional argument; the last may be variadic (`FILE...`). */
export interface PositionalSpec {
  readonly name: string;
  readonly optional?: boolean;
  readonly variadic?: boolean;
  readonly choices?: readonly string[];
}

/** What a command declares about its command line. */
export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  /** The subcommand (`run`), used in every message. */
  readonly name: string;
  /** One sentence: what the command does. */
  readonly summary: string;
  /** More text for `--help` (paragraphs, already wrapped). */
  readonly details?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: O;
  /** Full command lines that work as written (at least one). */
  readonly examples: readonly string[];
}

type Scalar<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['type'] extends 'integer' ? number : string;

/** The parsed option values: defaulted, required and boolean options are always present. */
export type Values<O extends Readonly<Record<string, OptionSpec>>> = {
  -readonly [K in keyof O]: O[K] extends { type: 'boolean' } | { default: string | number | boolean } | { required: true }
    ? Scalar<O[K]>
    : Scalar<O[K]> | undefined;
};

/** A parsed command line. */
export interface Parsed<O extends Readonly<Record<string, OptionSpec>>> {
  readonly values: Values<O>;
  readonly positionals: readonly string[];
}

/** The user typed something the command does not accept: printed with the `--help` hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The input (a file, a port, a name) cannot be used: printed as one line, exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Options every command accepts without declaring them. */
const COMMON: Readonly<Record<string, OptionSpec>> = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
  debug: { type: 'boolean', description: 'on an unexpected error, print its stack trace' },
};

/** Whether argv asks for help (before `--`), so help wins over any other error on the line. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Whether argv asks for stack traces (before `--`). */
export function wantsDebug(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--debug') return true;
  }
  return false;
}

function placeholder(o: OptionSpec): string {
  return o.value ?? (o.choices ? o.choices.join('|') : o.type === 'integer' ? 'N' : 'VALUE');
}

function flag(name: string): string {
  return `--${name}`;
}

/** Parses argv (after the subcommand name) against the spec; throws UsageError. */
export function parseCommand<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> {
  const all: Record<string, OptionSpec> = { ...COMMON, ...spec.options };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(all)) {
    config[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) };
    if (o.short) byShort.set(o.short, name);
  }
  // strict: false + tokens, so every error below is worded by us and names what the user typed.
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const raw: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const o = Object.hasOwn(all, t.name) ? all[t.name] : undefined;
    if (!o) throw new UsageError(`unknown option '${t.rawName}'`);
    if (o.type === 'boolean') {
      if (t.inlineValue) throw new UsageError(`${t.rawName} takes no value`);
      raw[t.name] = true;
    } else {
      // parseArgs (non-strict) leaves the value out when the option ends the line.
      // A value taken from the next word that looks like an option is a missing value
      // (`--record --json`); `--record=--json` still says it on purpose.
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new UsageError(`${t.rawName} needs a value (${t.rawName} ${placeholder(o)})`);
      raw[t.name] = t.value;
    }
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(all)) {
    const v = raw[name];
    if (v === undefined) {
      if (o.required) throw new UsageError(`${flag(name)} ${placeholder(o)} is required`);
      values[name] = o.type === 'boolean' ? (o.default ?? false) : o.default;
      continue;
    }
    if (o.type === 'integer') values[name] = integer(name, o, v as string);
    else if (o.type === 'string') {
      if (o.choices && !o.choices.includes(v as string)) throw new UsageError(`${flag(name)} takes one of ${o.choices.join(', ')}, not '${String(v)}'`);
      values[name] = v;
    } else values[name] = v;
  }
  checkPositionals(spec.positionals, positionals);
  return { values: values as Values<O>, positionals };
}

function integer(name: string, o: OptionSpec, v: string): number {
  const range = o.min !== undefined && o.max !== undefined ? ` in ${o.min}..${o.max}` : o.min !== undefined ? ` ≥ ${o.min}` : '';
  // Number('') is 0 and Number('1e3') is 1000: accept plain decimal digits only.
  const n = /^-?\d{1,15}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    throw new UsageError(`${flag(name)} needs an integer${range}, not '${v}'`);
  }
  return n;
}

function checkPositionals(specs: readonly PositionalSpec[], got: readonly string[]): void {
  const variadic = specs.at(-1)?.variadic === true;
  for (let i = 0; i < specs.length; i++) {
    const p = specs[i]!;
    const v = got[i];
    if (v === undefined) {
      if (!p.optional) throw new UsageError(`no ${p.name} given`);
      continue;
    }
    if (p.choices && !p.choices.includes(v)) throw new UsageError(`${p.name} is one of ${p.choices.join(', ')}, not '${v}'`);
  }
  if (!variadic && got.length > specs.length) {
    const extra = got[specs.length]!;
    throw new UsageError(specs.length === 0 ? `takes no arguments (got '${extra}')` : `unexpected argument '${extra}' (${synopsisOfPositionals(specs)} expected)`);
  }
}

function synopsisOfPositionals(specs: readonly PositionalSpec[]): string {
  return specs.map((p) => {
    const n = p.variadic ? `${p.name}...` : p.name;
    return p.optional ? `[${n}]` : n;
  }).join(' ');
}

/** The usage line: `usage: podlab run SCENARIO [options]`. */
export function usageLine(spec: CommandSpec): string {
  const pos = synopsisOfPositionals(spec.positionals);
  const required = Object.entries(spec.options).filter(([, o]) => o.required).map(([n, o]) => `${flag(n)} ${placeholder(o)}`);
  return ['usage: podlab', spec.name, ...required, pos, '[options]'].filter(Boolean).join(' ');
}

/** The `--help` text: usage, summary, details, every option with its default, examples. */
export function helpText(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries({ ...spec.options, ...COMMON }).map(([name, o]) => {
    const left = `${o.short ? `-${o.short}, ` : '    '}${flag(name)}${o.type === 'boolean' ? '' : ` ${placeholder(o)}`}`;
    const def = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [left, `${o.description}${def}${o.required ? ' (required)' : ''}`];
  });
  const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
  const opts = rows.map(([l, r]) => (l.length > width ? `  ${l}\n  ${' '.repeat(width)}  ${r}` : `  ${l.padEnd(width)}  ${r}`));
  return [
    usageLine(spec),
    spec.summary,
    ...(spec.details ? ['', spec.details.trimEnd()] : []),
    '',
    'options:',
    ...opts,
    '',
    `example${spec.examples.length > 1 ? 's' : ''}:`,
    ...spec.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}

/** The one line (plus a stack with debug) for an error that ends a command; returns exit 2. */
export function reportError(command: string, e: unknown, debug: boolean, write: (s: string) => void = (s) => void process.stderr.write(s)): number {
  const who = `podlab ${command}`;
  if (e instanceof UsageError) write(`${who}: ${e.message} (${who} --help)\n`);
  else if (e instanceof InputError) write(`${who}: ${e.message}\n`);
  else {
    const err = e instanceof Error ? e : new Error(String(e));
    const msg = (err.message || err.name).split('\n')[0];
    write(debug ? `${who}: ${err.stack ?? msg}\n` : `${who}: ${msg} (podlab ${command} --debug shows where)\n`);
  }
  return 2;
}

/**
 * Runs one command: `--help` prints the help (exit 0); otherwise argv is parsed and `body`
 * runs; usage and input errors — and, here too, anything else thrown — become one line and
 * exit 2.
 */
export async function runCommand<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  body: (args: Parsed<O>) => Promise<number>,
): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  try {
    return await body(parseCommand(spec, argv));
  } catch (e) {
    return reportError(spec.name, e, wantsDebug(argv));
  }
}
