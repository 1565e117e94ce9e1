/**
 * The `podlab` command: parses argv and dispatches to one subcommand module.
 * Each subcommand lives in `engine/cli/<name>.ts` and exports `run(args): Promise<number>`
 * (args = argv after the subcommand name; the result is the exit status). To add one,
 * add a line to COMMANDS. Modules load lazily so `podlab validate` never pulls in the server.
 * `podlab help [CMD]` and `--version` are answered here. Options are declared per command
 * through ./args.ts (help text, errors and exit codes worded the same everywhere).
 */
import { reportError, wantsDebug } from './args.ts';

interface Subcommand {
  run(args: string[]): Promise<number>;
  /** The declared command line (./args.ts), for commands converted to it. */
  SPEC?: import('./args.ts').CommandSpec;
}

/** A subcommand: its module, loaded on demand, and one line saying what it does. */
interface Entry {
  readonly load: () => Promise<Subcommand>;
  readonly what: string;
}

/** Every subcommand, by name. */
export const COMMANDS: Readonly<Record<string, Entry>> = {
  up: { load: () => import('./up.ts'), what: 'deploy a lab (simulator, mininet or containerlab), serve the UI, open the node shell' },
  run: { load: () => import('./run.ts'), what: 'run a scenario and check its expectations (exit 1 when one fails)' },
  replay: { load: () => import('./replay.ts'), what: 'show a recording in the UI (--print: in the terminal)' },
  validate: { load: () => import('./validate.ts'), what: 'check topology and scenario files (file:line:col messages)' },
  check: { load: () => import('./check.ts'), what: 'validate a design: reachability, BGP, MTU, IPAM, under single failures' },
  diff: { load: () => import('./diff.ts'), what: 'what a design change gains and loses' },
  generate: { load: () => import('./generate.ts'), what: 'write containerlab or clabernetes files for a topology' },
  images: { load: () => import('./images.ts'), what: 'build podlab/node and podlab/router without Docker Hub' },
  destroy: { load: () => import('./destroy.ts'), what: 'remove everything a real lab created (LAB or --all)' },
  bgp: { load: () => import('./bgp.ts'), what: "podlab's BGP speaker on real TCP" },
  seed: { load: () => import('./seed.ts'), what: "write a topology's Calico resources and Nodes into a lab's etcd (or --wait for it)" },
  agent: { load: () => import('./agent.ts'), what: 'calico-node for one real node (started by real runtimes)' },
  cni: { load: async () => { const m = await import('./cni.ts'); return { run: m.cniCommand, SPEC: m.SPEC }; }, what: 'the Calico CNI plugin (run by the lab as kubelet runs it)' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const rows = Object.entries(COMMANDS).map(([c, e]) => `  ${c.padEnd(width)}  ${e.what}`);
  return `usage: podlab <command> [args]     (podlab help COMMAND, podlab COMMAND --help)\ncommands:\n${rows.join('\n')}\n`;
}

/** The version in package.json. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Runs the `podlab` command line (argv without node and script); returns the exit status. */
export async function main(argv: string[], opts: { crashHandlers?: boolean } = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || (cmd === 'help' && rest.length === 0)) {
    (cmd ? process.stdout : process.stderr).write(usage());
    return cmd ? 0 : 2;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`podlab ${await version()}\n`);
    return 0;
  }
  if (cmd === 'help') return main([rest[0]!, '--help']);
  const entry = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!entry) {
    process.stderr.write(`podlab: unknown command '${cmd}'\n${usage()}`);
    return 2;
  }
  // Whatever a command throws, or a callback of a long-running one (up, bgp, agent), becomes
  // one line and exit 2; --debug shows the stack.
  const debug = wantsDebug(rest);
  const crash = (e: unknown): void => {
    reportError(cmd, e, debug);
    process.exit(2);
  };
  if (opts.crashHandlers !== false) {
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
  }
  try {
    return await (await entry.load()).run(rest);
  } catch (e) {
    return reportError(cmd, e, debug);
  }
}
