/**
 * `podlab images build [--force]`: builds podlab/node and podlab/router without Docker Hub
 * (debootstrap + docker import, then the docker/ recipes), printing each step with elapsed
 * seconds. Incremental: with nothing changed it says so and exits at once. Exit status: 0
 * images ready, 1 the build failed (the message names the step and the log), 2 usage.
 */
import { ensureImages } from '../runtime/docker/images.ts';
import type { ImageProgress } from '../runtime/docker/images.ts';
import { runCommand, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'images',
  summary: "Builds the container images podlab's containerlab and Docker runtimes run, with no registry but Debian's mirror.",
  details: [
    'The mirror is the one apt uses here, or $PODLAB_DEBIAN_MIRROR.',
    '',
    '  podlab/base:<hash>     Debian 12 made with debootstrap --variant=minbase + docker import',
    '  podlab/node:<hash>     + iproute2, iptables, ipset, tcpdump, BIRD 2, BIRD 1.6 (/opt/bird16),',
    '                         etcd, and the podlab agent with this machine\'s Node',
    '  podlab/router:<hash>   + BIRD 2, FRR, iproute2, tcpdump',
    '',
    '<hash> is a content hash of what each image is made of; node and router are also tagged',
    'with the names generated labs use (podlab/node:<version>, podlab/router:<version>).',
    'Needs root (debootstrap) and a running dockerd. Base tars and logs: /var/cache/podlab',
    '($PODLAB_CACHE_DIR).',
  ].join('\n'),
  positionals: [{ name: 'SUBCOMMAND', choices: ['build'] }],
  options: {
    force: { type: 'boolean', description: 'rebuild everything: debootstrap again, no Docker layer cache' },
  },
  examples: ['sudo npx podlab images build'],
} as const satisfies CommandSpec;

function line(p: ImageProgress): string {
  return `[${p.elapsedS.toFixed(1).padStart(6)} s] ${p.image === 'all' ? '' : `${p.image}: `}${p.step}\n`;
}

/** Runs `podlab images` with its arguments (argv after `images`); returns the exit status. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, async ({ values }) => {
    try {
      const r = await ensureImages({ force: values.force, onProgress: (p) => process.stdout.write(line(p)) });
      process.stdout.write(`node:   ${r.node}\nrouter: ${r.router}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`podlab images build: ${(err as Error).message}\n`);
      return 1;
    }
  });
}
