/** Hand-built fabrics shared by the simulator tests. */
import { World } from '../../engine/sim/world.ts';
import type { LinkOptions } from '../../engine/sim/world.ts';
import { addr, makeSwitch, route } from './helpers.ts';

/**
 * Two floors: each an access switch with a host and a router port; the routers are joined by
 * a /30 and know each other's floor by a static route.
 *   h1 10.1.0.11 — sw1 — r1 10.1.0.1 | 10.0.0.1 —— 10.0.0.2 | r2 10.2.0.1 — sw2 — h2 10.2.0.11
 */
export function floors(opts: { seed?: number; floor2Mtu?: number; loss?: LinkOptions } = {}): World {
  const w = new World({ seed: opts.seed ?? 7 });
  for (const n of ['h1', 'sw1', 'r1', 'r2', 'sw2', 'h2']) w.addNode(n);
  const f2: LinkOptions = opts.floor2Mtu ? { mtu: opts.floor2Mtu } : {};
  w.connect('h1', 'eth0', 'sw1', 'swp1', opts.loss ?? {});
  w.connect('r1', 'eth0', 'sw1', 'swp2');
  w.connect('r1', 'eth1', 'r2', 'eth1');
  w.connect('r2', 'eth0', 'sw2', 'swp2', f2);
  w.connect('h2', 'eth0', 'sw2', 'swp1', f2);
  makeSwitch(w.node('sw1'), ['swp1', 'swp2']);
  makeSwitch(w.node('sw2'), ['swp1', 'swp2']);
  const [h1, r1, r2, h2] = ['h1', 'r1', 'r2', 'h2'].map((n) => w.node(n)) as [ReturnType<World['node']>, ReturnType<World['node']>, ReturnType<World['node']>, ReturnType<World['node']>];
  addr(h1, 'eth0', '10.1.0.11/24');
  addr(r1, 'eth0', '10.1.0.1/24');
  addr(r1, 'eth1', '10.0.0.1/30');
  addr(r2, 'eth1', '10.0.0.2/30');
  addr(r2, 'eth0', '10.2.0.1/24');
  addr(h2, 'eth0', '10.2.0.11/24');
  for (const r of [r1, r2]) r.setSysctl('net.ipv4.ip_forward', '1');
  route(h1, 'default', '10.1.0.1');
  route(h2, 'default', '10.2.0.1');
  route(r1, '10.2.0.0/24', '10.0.0.2');
  route(r2, '10.1.0.0/24', '10.0.0.1');
  return w;
}
