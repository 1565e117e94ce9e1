/**
 * Child process of the SIGKILL test: deploys a topology on Mininet and reports each progress
 * line on stdout, so the parent can kill it with SIGKILL in the middle of the deploy.
 * argv: TOPOLOGY LAB DIR
 */
import { loadTopology } from '../../../engine/model/load.ts';
import { MininetLab } from '../../../engine/runtime/mininet/lab.ts';

async function main(): Promise<void> {
  const [file, lab, dir] = process.argv.slice(2) as [string, string, string];
  const r = await loadTopology(file);
  if (!r.topology) throw new Error(`invalid topology ${file}`);
  await MininetLab.deploy(r.topology, { lab, dir, onProgress: (m) => process.stdout.write(`progress ${m}\n`) });
  process.stdout.write('deployed\n');
  // Stay alive until killed: the parent decides when.
  setInterval(() => undefined, 1000);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
