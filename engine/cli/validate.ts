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

const USAGE = 'usage: podlab validate FILE...\n';

/** Runs the subcommand with its arguments (argv after `validate`); returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE + 'Checks topology and scenario files and prints file:line:col for every problem.\n');
    return 0;
  }
  const unknownOpt = args.find((a) => a.startsWith('-'));
  if (unknownOpt) {
    process.stderr.write(`podlab validate: unknown option '${unknownOpt}'\n${USAGE}`);
    return 2;
  }
  if (args.length === 0) {
    process.stderr.write(`podlab validate: no files given\n${USAGE}`);
    return 2;
  }
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
