/**
 * The one-node kernel the BIRD kernel-protocol tests program: n1 cabled to n2 on eth0,
 * 10.1.1.11/24 with a default route via 10.1.1.1, and a BGP route learned from 10.1.1.1.
 */
import { World } from '../../engine/sim/world.ts';
import { runTool } from '../../engine/sim/tools/index.ts';
import type { Kernel } from '../../engine/sim/kernel.ts';
import type { Route as BgpRoute } from '../../engine/bgp/index.ts';

export function routeNode(): Kernel {
  const w = new World({ seed: 1 });
  const k = w.addNode('n1');
  w.addNode('n2');
  w.connect('n1', 'eth0', 'n2', 'eth0');
  for (const c of ['ip link set eth0 up', 'ip addr add 10.1.1.11/24 dev eth0', 'ip route add default via 10.1.1.1 dev eth0']) {
    const r = runTool(k, c);
    if (r.code !== 0) throw new Error(`${c}: ${r.stderr}`);
  }
  return k;
}

/** A best path for `prefix` learned over iBGP from 10.1.1.1 with `nextHop`. */
export const learnedRoute = (prefix: string, nextHop: string): BgpRoute => ({
  prefix, attrs: { origin: 0, asPath: [], nextHop },
  from: { key: '10.1.1.1', address: '10.1.1.1', routerId: 1, asn: 65001, ibgp: true, rrClient: false, local: false },
});
