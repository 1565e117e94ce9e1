/**
 * `podlab destroy LAB | --all`: removes everything a real runtime created for a lab — its
 * processes (agents, BIRD, etcd, tcpdump, Mininet's shells), network namespaces (nodes',
 * pods'), veths, bridges, iptables rules and its directory — from the lab's record and by
 * the names and process markers every lab object carries, so it works after the engine was
 * killed with SIGKILL. `--all` also sweeps podlab leftovers no live lab owns.
 */
import { destroyAll, destroyLab, labDir, listLabs, readLabState, validLabName } from '../runtime/labs.ts';

const USAGE = 'usage: podlab destroy LAB | --all\n';

/** Runs `podlab destroy`. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}Removes every namespace, veth, bridge, iptables rule and process a real lab created.\n` +
      `labs now: ${listLabs().join(', ') || 'none'}\nexample: sudo npx podlab destroy leaf-spine\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('podlab destroy: needs root (it removes namespaces, links and iptables rules)\n');
    return 2;
  }
  if (args.length !== 1) {
    process.stderr.write(`podlab destroy: one lab name or --all\n${USAGE}`);
    return 2;
  }
  const [what] = args as [string];
  if (what === '--all') {
    const r = await destroyAll();
    process.stdout.write(`destroyed ${r.labs.length} lab(s)${r.labs.length ? `: ${r.labs.join(', ')}` : ''}` +
      `${r.orphans.length ? `; removed leftovers of ${r.orphans.length} unrecorded lab id(s): ${r.orphans.join(', ')}` : ''}\n`);
    return 0;
  }
  if (!validLabName(what)) {
    process.stderr.write(`podlab destroy: '${what}' is not a lab name (labs: ${listLabs().join(', ') || 'none'})\n`);
    return 2;
  }
  const known = readLabState(what) !== undefined;
  await destroyLab(what);
  process.stdout.write(known
    ? `destroyed lab ${what} (its processes, namespaces, links, rules and ${labDir(what)})\n`
    : `no lab named ${what} was recorded; swept anything carrying its name (labs: ${listLabs().join(', ') || 'none'})\n`);
  return 0;
}
