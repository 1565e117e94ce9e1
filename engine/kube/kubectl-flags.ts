/**
 * kubectl's command line: flags in any position (`-n NS`, `--namespace=NS`, `-oyaml`,
 * `-l k=v`, `--`), the error texts cobra prints for unknown or incomplete flags, and the
 * shared result type.
 */

/** A command's outcome. */
export interface KubectlResult { readonly stdout: string; readonly stderr: string; readonly code: number }

/** An error result: kubectl's text on stderr, exit 1 (its code for every error). */
export const fail = (stderr: string, code = 1): KubectlResult => ({ stdout: '', stderr: stderr.endsWith('\n') ? stderr : `${stderr}\n`, code });
/** A success result. */
export const ok = (stdout: string, stderr = ''): KubectlResult => ({ stdout, stderr, code: 0 });

/** Flags that take a value, long name → short alias. */
const VALUED: Record<string, string | undefined> = {
  namespace: 'n', output: 'o', selector: 'l', filename: 'f', image: undefined, labels: undefined, port: undefined, replicas: undefined,
  type: undefined, 'target-port': undefined, name: undefined, protocol: undefined, 'node-port': undefined, 'external-ip': undefined,
  container: 'c', 'dry-run': undefined, restart: undefined, 'cluster-ip': undefined, timeout: undefined, 'session-affinity': undefined,
};
/** Boolean flags. */
const BOOLEAN: Record<string, string | undefined> = {
  'all-namespaces': 'A', overwrite: undefined, all: undefined, 'show-labels': undefined, stdin: 'i', tty: 't', wait: undefined, force: undefined, 'ignore-not-found': undefined, 'no-headers': undefined,
};

/** Parsed command line: positional words, flag values by long name, and what follows `--`. */
export interface KubectlArgs {
  readonly words: readonly string[];
  readonly flags: ReadonlyMap<string, string>;
  /** Every value of a repeatable flag (`-f a -f b`). */
  readonly all: ReadonlyMap<string, readonly string[]>;
  readonly afterDash?: readonly string[];
}

/** Splits argv into words and flags; an error result for a flag kubectl would refuse. */
export function parseArgs(argv: readonly string[], verb: string): KubectlArgs | KubectlResult {
  const words: string[] = [];
  const flags = new Map<string, string>();
  const all = new Map<string, string[]>();
  const short = (s: string): string | undefined => Object.keys(VALUED).find((k) => VALUED[k] === s) ?? Object.keys(BOOLEAN).find((k) => BOOLEAN[k] === s);
  const set = (k: string, v: string): void => {
    flags.set(k, v);
    all.set(k, [...(all.get(k) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return { words, flags, all, afterDash: argv.slice(i + 1) };
    let name: string | undefined;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value = a.slice(eq + 1);
      if (!(name in VALUED) && !(name in BOOLEAN)) return fail(`error: unknown flag: --${name}\nSee 'kubectl ${verb} --help' for usage.`);
    } else if (a.startsWith('-') && a.length > 1) {
      const s = a[1]!;
      name = short(s);
      if (!name) return fail(`error: unknown shorthand flag: '${s}' in ${a}\nSee 'kubectl ${verb} --help' for usage.`);
      if (a.length > 2) value = a[2] === '=' ? a.slice(3) : a.slice(2);
    } else {
      words.push(a);
      continue;
    }
    if (name in BOOLEAN) {
      set(name, value ?? 'true');
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) return fail(`error: flag needs an argument: ${a.startsWith('--') ? `--${name}` : `'${a[1]}' in ${a}`}\nSee 'kubectl ${verb} --help' for usage.`);
    }
    set(name, value);
  }
  return { words, flags, all };
}

/** `key=value` pairs (`--labels=a=b,c=d`); undefined when one is malformed. */
export function parsePairs(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}
