/**
 * Child process of the Docker SIGKILL test: deploys a topology on Docker containers and
 * reports each progress line on stdout, so the parent can kill it with SIGKILL mid-deploy.
 * argv: TOPOLOGY LAB DIR NODE_IMAGE ROUTER_IMAGE
 */
import { loadTopology } from '../../../engine/model/load.ts';
import { DockerLab } from '../../../engine/runtime/docker/lab.ts';

async function main(): Promise<void> {
  const [file, lab, dir, node, router] = process.argv.slice(2) as [string, string, string, string, string];
  const r = await loadTopology(file);
  if (!r.topology) throw new Error(`invalid topology ${file}`);
  await DockerLab.deploy(r.topology, { lab, dir, images: { node, router }, onProgress: (m) => process.stdout.write(`progress ${m}\n`) });
  process.stdout.write('deployed\n');
  // Stay alive until killed: the parent decides when.
  setInterval(() => undefined, 1000);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
