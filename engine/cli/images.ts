/**
 * `podlab images build [--force]`: builds podlab/node and podlab/router without Docker Hub
 * (debootstrap + docker import, then the docker/ recipes), printing each step with elapsed
 * seconds. Incremental: with nothing changed it says so and exits at once. Exit status: 0
 * images ready, 1 the build failed (the message names the step and the log), 2 usage.
 */
import { ensureImages } from '../runtime/docker/images.ts';
import type { ImageProgress } from '../runtime/docker/images.ts';

const USAGE = 'usage: podlab images build [--force]\n';
const HELP = `${USAGE}
Builds the container images podlab's containerlab and Docker runtimes run, without any
registry but Debian's mirror (the one apt uses here, or $PODLAB_DEBIAN_MIRROR):

  podlab/base:<hash>     Debian 12 made with debootstrap --variant=minbase + docker import
  podlab/node:<hash>     + iproute2, iptables, ipset, tcpdump, BIRD 2, BIRD 1.6 (/opt/bird16),
                         etcd, and the podlab agent with this machine's Node
  podlab/router:<hash>   + BIRD 2, FRR, iproute2, tcpdump

<hash> is a content hash of what each image is made of; node and router are also tagged
with the names generated labs use (podlab/node:<version>, podlab/router:<version>).
Needs root (debootstrap) and a running dockerd. Base tars and logs: /var/cache/podlab
($PODLAB_CACHE_DIR).

Options:
  --force   rebuild everything: debootstrap again, no Docker layer cache
`;

function line(p: ImageProgress): string {
  return `[${p.elapsedS.toFixed(1).padStart(6)} s] ${p.image === 'all' ? '' : `${p.image}: `}${p.step}\n`;
}

/** Runs `podlab images` with its arguments (argv after `images`); returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub, ...rest] = args;
  if (sub !== 'build') {
    process.stderr.write(`podlab images: ${sub ? `unknown subcommand '${sub}'` : 'no subcommand given'}\n${USAGE}`);
    return 2;
  }
  const unknown = rest.find((a) => a !== '--force');
  if (unknown) {
    process.stderr.write(`podlab images build: unexpected '${unknown}'\n${USAGE}`);
    return 2;
  }
  try {
    const r = await ensureImages({ force: rest.includes('--force'), onProgress: (p) => process.stdout.write(line(p)) });
    process.stdout.write(`node:   ${r.node}\nrouter: ${r.router}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`podlab images build: ${(err as Error).message}\n`);
    return 1;
  }
}
