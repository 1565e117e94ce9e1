/** Small fabrics for the TCP tests: hosts on a switch, a routed path, helpers to collect bytes. */
import { World } from '../../../engine/sim/world.ts';
import type { LinkOptions } from '../../../engine/sim/world.ts';
import { addr, makeSwitch, route } from '../helpers.ts';

/**
 * Hosts a (10.0.0.1) and b (10.0.0.2) on switch sw, plus r (10.0.0.254) that routes to
 * 10.9.0.0/24 where nobody answers, and has an `unreachable` route for 10.8.0.0/24.
 */
export function lan(opts: { seed?: number; linkA?: LinkOptions; mtu?: number } = {}): World {
  const w = new World({ seed: opts.seed ?? 1 });
  for (const n of ['a', 'b', 'r', 'sw']) w.addNode(n);
  // As every runtime's setup plan does: local delivery (an ICMP error to ourselves) needs lo up.
  for (const n of ['a', 'b', 'r']) w.node(n).setLink('lo', { up: true });
  w.connect('a', 'eth0', 'sw', 'swp1', { ...(opts.mtu ? { mtu: opts.mtu } : {}), ...opts.linkA });
  w.connect('b', 'eth0', 'sw', 'swp2', opts.mtu ? { mtu: opts.mtu } : {});
  w.connect('r', 'eth0', 'sw', 'swp3', opts.mtu ? { mtu: opts.mtu } : {});
  makeSwitch(w.node('sw'), ['swp1', 'swp2', 'swp3']);
  addr(w.node('a'), 'eth0', '10.0.0.1/24');
  addr(w.node('b'), 'eth0', '10.0.0.2/24');
  addr(w.node('r'), 'eth0', '10.0.0.254/24');
  const r = w.node('r');
  r.setSysctl('net.ipv4.ip_forward', '1');
  route(r, '10.8.0.0/24', undefined, undefined, { type: 'unreachable' });
  for (const h of ['a', 'b']) {
    route(w.node(h), '10.8.0.0/24', '10.0.0.254');
    route(w.node(h), '10.9.0.0/24', '10.0.0.254');
  }
  w.run(10);
  return w;
}

/** Deterministic test bytes (a simple LCG), so a reordering or a gap changes the content. */
export function pattern(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Concatenates chunks. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
