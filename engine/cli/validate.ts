/**
 * `podlab validate FILE...`: static checks of topology and scenario files (a scenario is
 * checked with the topology it names). Prints every problem of every
 * file as `file:line:col: severity: message — hint`, then one summary line. Exit status:
 * 0 = no errors (warnings allowed), 1 = at least one error, 2 = usage error or unreadable file.
 */
import { readFile } from 'node:fs/promises';
import { TopologyReadError } from '../model/load.ts';
import { loadCheckedTopology, loadScenario, looksLikeScenario, ScenarioReadError } from '../scenario/format.ts';
import { formatProblem } from '../model/problems.ts';
import { runCommand, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'validate',
  summary: 'Checks topology and scenario files and prints every problem as file:line:col.',
  details: 'A scenario is checked with the topology it names. Shape, addressing, cabling and the Calico\n' +
    'resources are all checked in one run. Exit status: 0 no errors (warnings allowed), 1 at least\n' +
    'one error, 2 usage error or unreadable file.',
  positionals: [{ name: 'FILE', variadic: true }],
  options: {},
  examples: ['npx podlab validate topologies/*.yaml scenarios/*.yaml'],
} as const satisfies CommandSpec;

/** Runs the subcommand with its arguments (argv after `validate`); returns the exit status. */
export function run(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, ({ positionals }) => validate(positionals));
}

async function validate(args: readonly string[]): Promise<number> {
  let errors = 0;
  let warnings = 0;
  let unreadable = 0;
  for (const file of args) {
    let problems;
    try {
      const scenario = looksLikeScenario(await readFile(file, 'utf8').catch(() => ''));
      ({ problems } = scenario ? await loadScenario(file) : await loadCheckedTopology(file));
    } catch (e) {
      if (!(e instanceof TopologyReadError) && !(e instanceof ScenarioReadError)) throw e;
      process.stderr.write(`podlab validate: ${e.message}\n`);
      unreadable++;
      continue;
    }
    for (const p of problems) {
      process.stdout.write(formatProblem(p) + '\n');
      if (p.severity === 'error') errors++;
      else warnings++;
    }
  }
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const checked = args.length - unreadable;
  process.stdout.write(
    `${plural(checked, 'file')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}` +
      (unreadable ? `, ${unreadable} unreadable` : '') +
      '\n',
  );
  if (unreadable) return 2;
  return errors > 0 ? 1 : 0;
}
