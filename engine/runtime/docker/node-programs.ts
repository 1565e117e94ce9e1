/**
 * The programs a container's image brings for Calico — `podlab` (agent, CNI plugin), BIRD 1.6
 * and BIRD 2 — probed inside running containers of the lab, so the engine drives the image's
 * own binaries and nothing from its checkout is mounted in. Probing (not assuming paths)
 * keeps a user's own image working as long as it follows docker/README.md's layout:
 * `podlab` on PATH, BIRD 1.6 in $PODLAB_BIRD16 and/or BIRD in /usr/sbin.
 */
import { join } from 'node:path';
import type { BirdInstall } from '../linux/bird.ts';
import type { Exec } from '../linux/exec.ts';
import { PODLAB_COMMAND } from '../containerlab/images.ts';
import type { NodePrograms } from '../real-lab.ts';

/** The BIRD a `bird --version` text names (Calico's fork included), or undefined. Pure. */
export function birdFromVersion(dir: string, text: string, hasBirdcl: boolean): BirdInstall | undefined {
  const fork = /BIRD version v\S*\+birdv(\d+)\.(\S+)/.exec(text);
  const m = fork ?? /BIRD version (\d+)\.(\S+)/.exec(text);
  if (!m || (m[1] !== '1' && m[1] !== '2')) return undefined;
  const birdc = join(dir, 'birdc');
  return {
    dialect: m[1] === '1' ? 'bird1' : 'bird2', bird: join(dir, 'bird'), birdc, birdcl: hasBirdcl ? join(dir, 'birdcl') : birdc,
    version: `${m[1]}.${m[2]}`, ...(fork ? { calicoFork: true } : {}),
  };
}

/** The directories a container's BIRD may live in: its $PODLAB_BIRD16, then /usr/sbin. Pure. */
export function birdDirs(imageEnv: readonly string[]): string[] {
  const b16 = imageEnv.find((e) => e.startsWith('PODLAB_BIRD16='))?.slice('PODLAB_BIRD16='.length);
  return [...(b16 && b16.startsWith('/') ? [b16] : []), '/usr/sbin', '/usr/local/sbin'];
}

/** Every BIRD found inside a container (through `exec`, with the container's environment). */
export async function probeBirds(exec: Exec, imageEnv: readonly string[]): Promise<BirdInstall[]> {
  const out: BirdInstall[] = [];
  for (const dir of birdDirs(imageEnv)) {
    const v = await exec([join(dir, 'bird'), '--version']);
    if (v.code !== 0) continue;
    const hasBirdcl = (await exec(['test', '-x', join(dir, 'birdcl')])).code === 0;
    const b = birdFromVersion(dir, v.stdout + v.stderr, hasBirdcl);
    if (b && (await exec(['test', '-x', b.birdc])).code === 0) out.push(b);
  }
  return out;
}

/**
 * The programs of a lab whose k8s nodes run in `nodeExec`'s container and routers in
 * `routerExec`'s (when the lab has routers): BIRD 1.6 on k8s nodes where the image has it (as
 * Calico ships), BIRD 2 on routers. Throws a message naming the image when one is missing.
 */
export async function imagePrograms(
  node: { exec: Exec; env: readonly string[]; image: string },
  router?: { exec: Exec; env: readonly string[]; image: string },
): Promise<NodePrograms> {
  const nodeBirds = await probeBirds(node.exec, node.env);
  const bird = nodeBirds.find((b) => b.dialect === 'bird1') ?? nodeBirds[0];
  if (!bird) throw new Error(`image ${node.image} has no BIRD (looked in ${birdDirs(node.env).join(', ')}): rebuild it with podlab images build`);
  const podlab = await node.exec([PODLAB_COMMAND, '--version']);
  if (podlab.code !== 0) throw new Error(`image ${node.image} has no working '${PODLAB_COMMAND}' on PATH (${(podlab.stderr || podlab.stdout).trim()}): rebuild it with podlab images build`);
  const routerBirds = router ? await probeBirds(router.exec, router.env) : nodeBirds;
  const routerBird = routerBirds.find((b) => b.dialect === 'bird2') ?? routerBirds[0];
  if (!routerBird) throw new Error(`image ${router?.image ?? node.image} has no BIRD for the routers: rebuild it with podlab images build`);
  return { podlab: [PODLAB_COMMAND], bird, routerBird };
}
