/** The `podlab` command: parses argv and dispatches to one subcommand module. */
export async function main(argv: string[]): Promise<number> {
  const [cmd] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    process.stdout.write('usage: podlab <validate|up|run|replay|generate|destroy|bgp> ...\n');
    return cmd ? 0 : 2;
  }
  process.stderr.write(`podlab: unknown command '${cmd}'\n`);
  return 2;
}
