/**
 * `podlab destroy LAB | --all`: removes everything a real runtime created for a lab — its
 * processes (agents, BIRD, etcd, tcpdump, Mininet's shells), network namespaces (nodes',
 * pods'), veths, bridges, iptables rules, containers, networks and its directory — from the
 * lab's record and by the names and process markers every lab object carries, so it works
 * after the engine was killed with SIGKILL. `--all` also sweeps podlab leftovers no live lab owns.
 */
import { destroyAll, destroyLab, labDir, listLabs, readLabState, validLabName } from '../runtime/labs.ts';
import { InputError, runCommand, UsageError, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'destroy',
  summary: 'Removes every namespace, veth, bridge, container, iptables rule and process a real lab created.',
  details: 'Works after the engine was killed (SIGKILL): every object carries the lab\'s name or marker.\n' +
    'Needs root. Container images stay (podlab images build makes them once).',
  positionals: [{ name: 'LAB', optional: true }],
  options: {
    all: { type: 'boolean', description: 'every recorded lab, and leftovers of labs no record names' },
  },
  examples: ['sudo npx podlab destroy leaf-spine', 'sudo npx podlab destroy --all'],
} as const satisfies CommandSpec;

const known = (): string => listLabs().join(', ') || 'none';

/** Runs `podlab destroy`. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, async ({ values, positionals }) => {
    const [lab] = positionals;
    if (values.all === (lab !== undefined)) throw new UsageError('give one lab name or --all');
    if (process.getuid?.() !== 0) throw new InputError('needs root (it removes namespaces, links and iptables rules)');
    if (values.all) {
      const r = await destroyAll();
      process.stdout.write(`destroyed ${r.labs.length} lab(s)${r.labs.length ? `: ${r.labs.join(', ')}` : ''}` +
        `${r.orphans.length ? `; removed leftovers of ${r.orphans.length} unrecorded lab id(s): ${r.orphans.join(', ')}` : ''}\n`);
      return 0;
    }
    if (!validLabName(lab!)) throw new InputError(`'${lab}' is not a lab name (labs: ${known()})`);
    const recorded = readLabState(lab!) !== undefined;
    await destroyLab(lab!);
    process.stdout.write(recorded
      ? `destroyed lab ${lab} (its processes, namespaces, links, rules and ${labDir(lab!)})\n`
      : `no lab named ${lab} was recorded; swept anything carrying its name (labs: ${known()})\n`);
    return 0;
  });
}
