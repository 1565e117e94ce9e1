/**
 * `tcpdump ARGS…` over frames someone already captured: the node command of the simulator
 * (and of recordings). The caller hands over what each interface saw; this parses tcpdump's
 * flags, applies the filter, and returns what the real command would print and exit with.
 *
 * Flags: -n -nn -e -v… -S -t… -c N -i IF (or any) -Q in|out|inout -s N -r FILE (the caller
 * reads the file and passes its frames; we only print the banner) and the no-ops -l -U -p.
 * The filter is the remaining arguments joined by spaces, as tcpdump does.
 */
import { compileFilter, FilterError, type HostResolver } from './filter.ts';
import { TcpdumpPrinter, captureSummary, listeningBanner, readingBanner, type CapturedFrame, type FormatOptions } from './format.ts';
import type { TimestampStyle } from './time.ts';

/** What the command reads: frames per interface (in capture order) and optional name lookups. */
export interface TcpdumpInput {
  readonly interfaces: Readonly<Record<string, readonly CapturedFrame[]>>;
  readonly resolveHost?: HostResolver;
  readonly hostName?: (addr: number) => string | undefined;
  /** Added to frame timestamps (virtual ms → wall-clock ms). */
  readonly epochMs?: number;
}

/** What the command printed and its exit status. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

interface Parsed {
  numeric: boolean;
  link: boolean;
  verbose: number;
  absoluteSeq: boolean;
  tCount: number;
  count: number | undefined;
  iface: string | undefined;
  direction: 'in' | 'out' | 'inout';
  snaplen: number;
  readFile: string | undefined;
  expr: string[];
}

const USAGE = 'Usage: tcpdump [-enSptv] [-c count] [-i interface] [-Q in|out|inout] [-r file] [-s snaplen] [ expression ]\n';
const STYLES: TimestampStyle[] = ['time', 'none', 'epoch', 'delta', 'date', 'sincefirst'];

function fail(msg: string, usage = false): CommandResult {
  return { stdout: '', stderr: `tcpdump: ${msg}\n${usage ? USAGE : ''}`, code: 1 };
}

function parseArgs(argv: readonly string[]): Parsed | CommandResult {
  const o: Parsed = {
    numeric: false, link: false, verbose: 0, absoluteSeq: false, tCount: 0, count: undefined, iface: undefined,
    direction: 'inout', snaplen: 262144, readFile: undefined, expr: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { o.expr.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { o.expr.push(a); continue; }
    for (let k = 1; k < a.length; k++) {
      const ch = a[k]!;
      const takeValue = (): string | undefined => {
        const rest = a.slice(k + 1);
        k = a.length;
        return rest !== '' ? rest : argv[++i];
      };
      switch (ch) {
        case 'n': o.numeric = true; break;
        case 'e': o.link = true; break;
        case 'v': o.verbose++; break;
        case 'S': o.absoluteSeq = true; break;
        case 't': o.tCount++; break;
        case 'l': case 'U': case 'p': break;
        case 'c': {
          const v = takeValue();
          if (v === undefined) return fail(`option requires an argument -- 'c'`, true);
          if (!/^\d+$/.test(v) || Number(v) === 0) return fail(`invalid packet count ${v}`);
          o.count = Number(v);
          break;
        }
        case 'i': {
          const v = takeValue();
          if (v === undefined) return fail(`option requires an argument -- 'i'`, true);
          o.iface = v;
          break;
        }
        case 'Q': {
          const v = takeValue();
          if (v !== 'in' && v !== 'out' && v !== 'inout') return fail(`unknown capture direction '${v ?? ''}'`);
          o.direction = v;
          break;
        }
        case 's': {
          const v = takeValue();
          if (v === undefined || !/^\d+$/.test(v)) return fail(`invalid snaplen ${v ?? ''}`);
          o.snaplen = Number(v) === 0 ? 262144 : Number(v);
          break;
        }
        case 'r': {
          const v = takeValue();
          if (v === undefined) return fail(`option requires an argument -- 'r'`, true);
          o.readFile = v;
          break;
        }
        default: return fail(`invalid option -- '${ch}'`, true);
      }
    }
  }
  return o;
}

/** Runs tcpdump over captured frames: argv as the user typed it (without "tcpdump"). */
export function tcpdump(argv: readonly string[], input: TcpdumpInput): CommandResult {
  const o = parseArgs(argv);
  if ('code' in o) return o;
  const names = Object.keys(input.interfaces);
  const iface = o.iface ?? names[0];
  if (iface === undefined) return fail('no suitable device found');
  if (iface !== 'any' && !(iface in input.interfaces)) {
    return fail(`${iface}: No such device exists\n(SIOCGIFHWADDR: No such device)`);
  }
  let match;
  try {
    match = compileFilter(o.expr.join(' '), input.resolveHost ? { resolveHost: input.resolveHost } : {});
  } catch (e) {
    if (e instanceof FilterError) return fail(e.tcpdumpMessage);
    throw e;
  }
  const frames: CapturedFrame[] = iface === 'any'
    ? names.flatMap((n) => input.interfaces[n]!.map((f) => ({ ...f, ifname: f.ifname ?? n })))
      .map((f, idx) => ({ f, idx })).sort((x, y) => x.f.tsMs - y.f.tsMs || x.idx - y.idx).map((x) => x.f)
    : [...input.interfaces[iface]!];
  const opts: FormatOptions = {
    numeric: o.numeric, link: o.link, verbose: o.verbose, absoluteSeq: o.absoluteSeq,
    timestamps: STYLES[Math.min(o.tCount, 5)]!, epochMs: input.epochMs ?? 0, anyInterface: iface === 'any',
    ...(input.hostName ? { hostName: input.hostName } : {}),
  };
  const printer = new TcpdumpPrinter(opts);
  const out: string[] = [];
  let seen = 0;
  for (const f of frames) {
    if (o.direction !== 'inout' && f.dir !== undefined && f.dir.toLowerCase() !== o.direction) continue;
    seen++;
    if (!match(f.frame, { ...(f.len !== undefined ? { len: f.len } : {}), ...(f.dir ? { dir: f.dir } : {}) })) continue;
    out.push(printer.format(f));
    if (o.count !== undefined && out.length >= o.count) break;
  }
  const stdout = out.length ? `${out.join('\n')}\n` : '';
  if (o.readFile !== undefined) return { stdout, stderr: readingBanner(o.readFile, o.snaplen), code: 0 };
  const stderr = listeningBanner(iface, { verbose: o.verbose, snaplen: o.snaplen }) + captureSummary(out.length, seen);
  return { stdout, stderr, code: 0 };
}
