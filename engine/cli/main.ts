/**
 * The `podlab` command: parses argv and dispatches to one subcommand module.
 * Each subcommand lives in `engine/cli/<name>.ts` and exports `run(args): Promise<number>`
 * (args = argv after the subcommand name; the result is the exit status). To add one,
 * add a line to COMMANDS. Modules load lazily so `podlab validate` never pulls in the server.
 */
interface Subcommand {
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Subcommand>> = {
  validate: () => import('./validate.ts'),
  up: () => import('./up.ts'),
  bgp: () => import('./bgp.ts'),
  run: () => import('./run.ts'),
  replay: () => import('./replay.ts'),
  check: () => import('./check.ts'),
  diff: () => import('./diff.ts'),
  generate: () => import('./generate.ts'),
  images: () => import('./images.ts'),
  destroy: () => import('./destroy.ts'),
  agent: () => import('./agent.ts'),
  cni: async () => ({ run: (await import('./cni.ts')).cniCommand }),
};

const USAGE = `usage: podlab <command> [args]
commands: ${Object.keys(COMMANDS).join(', ')}
`;

/** Runs the `podlab` command line (argv without node and script); returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    (cmd ? process.stdout : process.stderr).write(USAGE);
    return cmd ? 0 : 2;
  }
  const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!load) {
    process.stderr.write(`podlab: unknown command '${cmd}'\n${USAGE}`);
    return 2;
  }
  return (await load()).run(rest);
}
