/**
 * `podlab cni`: the Calico CNI plugin binary, as kubelet (or the engine playing kubelet)
 * calls it — CNI_* in the environment, the netconf on stdin, the result or error document on
 * stdout, exit 0 or 1. It connects to the etcd named by the netconf's `etcd_endpoints` and
 * runs `ip`/`sysctl`/`nsenter` in the namespace it was started in (the node's).
 */
import { EtcdDatastore } from '../calico/datastore/etcd.ts';
import { cniMain } from '../runtime/linux/cni-plugin.ts';
import { localExec } from '../runtime/linux/exec.ts';
import { runCommand, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'cni',
  summary: 'The Calico CNI plugin, run as kubelet runs it: configured by the environment and stdin, not by options.',
  details: 'CNI_COMMAND=ADD|DEL|CHECK|VERSION, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH\n' +
    'in the environment; the network configuration (JSON, with etcd_endpoints) on stdin. The CNI result\n' +
    'or error document goes to stdout; exit 0 or 1 as the CNI spec says.',
  positionals: [],
  options: {},
  examples: ['CNI_COMMAND=VERSION podlab cni < /dev/null'],
} as const satisfies CommandSpec;

/** An etcd call that cannot complete must fail the command (kubelet retries), not hang it. */
const ETCD_DIAL_MS = 5000;
const ETCD_CALL_MS = 15_000;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (b: Buffer) => chunks.push(b));
    process.stdin.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.once('error', reject);
  });
}

/** Runs the plugin on this process's env and stdin; prints the CNI document; returns the exit code. */
export function cniCommand(argv: string[]): Promise<number> {
  return runCommand(SPEC, argv, () => cni());
}

async function cni(): Promise<number> {
  // VERSION needs no stdin, and a runtime may not close it; everything else must read it.
  const stdin = process.env.CNI_COMMAND === 'VERSION' ? '' : await readStdin();
  const out = await cniMain(process.env, stdin, {
    exec: localExec,
    openDatastore: (endpoints) => new EtcdDatastore({
      endpoints,
      client: { dialTimeout: ETCD_DIAL_MS, defaultCallOptions: () => ({ deadline: Date.now() + ETCD_CALL_MS }) },
    }),
  });
  process.stdout.write(out.stdout);
  return out.code;
}
