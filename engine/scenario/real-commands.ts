/**
 * The Calico programs a real node's shell answers that need more than the node's own tools:
 * `birdc`/`birdcl` pointed at the node's BIRD socket (podlab keeps each node's BIRD files in
 * the lab directory, not /var/run/bird), and `calicoctl node status | get nodes|ippools |
 * ipam show` in calicoctl's words — node status from the node's real BIRD, the rest from the
 * lab's etcd, as calicoctl reads them.
 */
import type { Datastore } from '../calico/datastore/index.ts';
import { ipamShow } from '../calico/ipam/index.ts';
import type { IpamClient } from '../calico/ipam/index.ts';
import { calicoctlGetIPPools, calicoctlGetNodes } from '../calico/resources/index.ts';
import { calicoctlNodeStatus } from '../calico/confd/index.ts';
import { readResourceSet } from '../calico/node/datastore-view.ts';
import { birdcArgv, birdProtocols } from '../runtime/linux/bird.ts';
import type { BirdInstall } from '../runtime/linux/bird.ts';
import type { Exec, ExecResult } from '../runtime/linux/exec.ts';

/** What answering those programs on one node needs. */
export interface RealNodeContext {
  /** Runs argv inside the node. */
  readonly exec: Exec;
  readonly ds: Datastore;
  readonly ipam: IpamClient;
  /** The node's BIRD, and its control socket (undefined: the node runs none). */
  readonly bird: BirdInstall;
  readonly socket: string | undefined;
  /** calico-node runs on this node (a k8s node whose agent was not stopped). */
  readonly calicoRunning: boolean;
}

const usage = 'Usage:\n  calicoctl node status\n  calicoctl get (nodes|ippools) [-o wide]\n  calicoctl ipam show [--show-blocks]\n';

/** The result of `birdc`/`birdcl`/`calicoctl` on the node; undefined for any other program. */
export async function realNodeCommand(c: RealNodeContext, argv: readonly string[]): Promise<ExecResult | undefined> {
  const [prog, ...args] = argv;
  if (prog === 'birdc' || prog === 'birdcl') {
    const socket = c.socket;
    if (!socket) return { stdout: '', stderr: 'Unable to connect to server control socket (/var/run/bird/bird.ctl): No such file or directory\n', code: 1 };
    const rest = [...args];
    while (rest[0]?.startsWith('-')) if (rest.shift() === '-s') rest.shift();
    return c.exec(birdcArgv(c.bird, socket, rest));
  }
  if (prog !== 'calicoctl') return undefined;
  const [cmd, sub, ...rest] = args;
  if (cmd === 'node' && sub === 'status') {
    const socket = c.calicoRunning ? c.socket : undefined;
    if (!socket) return { stdout: '', stderr: 'Calico process is not running.\n', code: 1 };
    const rows = await birdProtocols(c.exec, c.bird, socket).catch(() => undefined);
    const r = calicoctlNodeStatus(rows ? { ipv4: { rows } } : { ipv4: { notRunning: true }, ipv6: { notRunning: true } });
    return { stdout: r.stdout, stderr: '', code: r.exitCode };
  }
  if (cmd === 'get') {
    const { set } = await readResourceSet(c.ds);
    const wide = rest.includes('wide') || rest.includes('-owide') || rest.includes('--output=wide');
    const kind = (sub ?? '').toLowerCase();
    if (['node', 'nodes', 'no'].includes(kind)) return { stdout: calicoctlGetNodes(set, { wide }), stderr: '', code: 0 };
    if (['ippool', 'ippools', 'ipp', 'pool', 'pools'].includes(kind)) return { stdout: calicoctlGetIPPools(set, { wide }), stderr: '', code: 0 };
  }
  if (cmd === 'ipam' && sub === 'show') {
    return { stdout: await ipamShow(c.ipam, { showBlocks: rest.includes('--show-blocks') }), stderr: '', code: 0 };
  }
  return { stdout: '', stderr: usage, code: 1 };
}
