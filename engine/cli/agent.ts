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

const USAGE = 'usage: podlab agent --node NAME --dir DIR --etcd unix:///PATH/etcd:2379 [--bird bird1|bird2]\n';
const NODE_NAME = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/** Runs `podlab agent` until a signal stops it. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}Runs calico-node (allocateip, Felix with the Linux dataplane, confd + BIRD) for one real node.\n`);
    return 0;
  }
  const opt: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!['--node', '--dir', '--etcd', '--bird'].includes(a) || args[i + 1] === undefined) {
      process.stderr.write(`podlab agent: unexpected '${a}'\n${USAGE}`);
      return 2;
    }
    opt[a.slice(2)] = args[++i]!;
  }
  const { node, dir, etcd } = opt;
  if (!node || !dir || !etcd) {
    process.stderr.write(`podlab agent: --node, --dir and --etcd are required\n${USAGE}`);
    return 2;
  }
  if (!NODE_NAME.test(node)) {
    process.stderr.write(`podlab agent: '${node}' is not a valid node name (DNS-1123 subdomain)\n`);
    return 2;
  }
  const pref = opt.bird === 'bird2' ? 'bird2' : 'bird1';
  const bird = findBird(pref);
  if (!bird) {
    process.stderr.write('podlab agent: no BIRD found — install Debian\'s bird2 (or unpack bird 1.6 and set PODLAB_BIRD16)\n');
    return 2;
  }
  const ds = new EtcdDatastore({ endpoints: [etcd] });
  const agent = new LinuxNodeAgent({ node, dir, ds, bird, emit: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) });
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
