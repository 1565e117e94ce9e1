/**
 * `podlab agent --node NAME --dir DIR --etcd URL [--bird bird1|bird2]`: calico-node for one
 * real node. Real runtimes start it inside the node's network namespace (a Mininet host, a
 * container), where calico-node would run. It prints one JSON event per line on stdout
 * (session changes, Felix's changes, sync marks, errors) and diagnostics on stderr.
 * SIGTERM/SIGINT stop it and its BIRD; SIGKILL leaves BIRD running, and the next agent
 * started for the node takes it over.
 */
import { EtcdDatastore } from '../calico/datastore/index.ts';
import { findBird } from '../runtime/linux/bird.ts';
import { LinuxNodeAgent } from '../runtime/linux/agent.ts';
import { AGENT_ETCD_CLIENT } from '../runtime/linux/agent-inputs.ts';
import { InputError, runCommand, UsageError, type CommandSpec } from './args.ts';

const NODE_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'agent',
  summary: 'Runs calico-node (allocateip, Felix with the Linux dataplane, confd + BIRD) for one real node.',
  details: 'Real runtimes start it inside the node\'s namespace or container; it prints one JSON event\n' +
    'per line on stdout and stops (with its BIRD) on SIGTERM/SIGINT.',
  positionals: [],
  options: {
    node: { type: 'string', value: 'NAME', required: true, description: 'the Kubernetes node it serves (DNS-1123 name)' },
    dir: { type: 'string', value: 'DIR', required: true, description: 'where its BIRD config, sockets and state live' },
    etcd: { type: 'string', value: 'URL', required: true, description: 'the datastore (unix:///PATH/etcd:2379 or http://HOST:PORT)' },
    bird: { type: 'string', choices: ['bird1', 'bird2'], default: 'bird1', description: 'which BIRD to run (bird1 as Calico ships it)' },
    resync: { type: 'integer', value: 'S', default: 60, min: 1, max: 86400, description: 're-read the kernel and repair drift every S seconds (between, Felix trusts what it programmed)' },
  },
  examples: ['podlab agent --node worker-01 --dir /run/podlab/lab/worker-01 --etcd unix:///run/podlab/lab/etcd.sock:2379'],
} as const satisfies CommandSpec;

/** Runs `podlab agent` until a signal stops it. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, ({ values }) => agent(values));
}

async function agent(opt: { node: string; dir: string; etcd: string; bird: string; resync: number }): Promise<number> {
  const { node, dir, etcd } = opt;
  if (!NODE_NAME.test(node)) throw new UsageError(`'${node}' is not a valid node name (DNS-1123 subdomain)`);
  const pref = opt.bird === 'bird2' ? 'bird2' : 'bird1';
  const bird = findBird(pref);
  if (!bird) throw new InputError('no BIRD found — install Debian\'s bird2 (or unpack bird 1.6 and set PODLAB_BIRD16)');
  const ds = new EtcdDatastore({ endpoints: [etcd], client: AGENT_ETCD_CLIENT });
  const agent = new LinuxNodeAgent({ node, dir, ds, bird, resyncMs: opt.resync * 1000, emit: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) });
  process.stderr.write(`podlab agent: ${node}: BIRD ${bird.version} (${bird.dialect}), datastore ${etcd}, files in ${dir}\n`);
  await agent.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await agent.stop();
  await ds.close();
  return 0;
}
