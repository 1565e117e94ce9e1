/**
 * Connection probes through the simulated dataplane, the way the netpol e2e suite's agnhost
 * probes ask "does a connection get through?":
 * - TCP: one SYN from the client's namespace; the answer is SYN-ACK (a listener accepted),
 *   RST (reached the host, nobody listening) or nothing (dropped on the way: policy).
 * - UDP: one datagram; `delivered` when the server's socket received it.
 * Servers are real listeners of the simulator's TCP stack and bound UDP sockets.
 */
import { makeIpv4, makeTcp, makeUdp } from '../../engine/net/codec/index.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { TCP_ACK, TCP_RST, TCP_SYN } from '../../engine/net/packet.ts';
import { sendIp } from '../../engine/sim/index.ts';
import type { World } from '../../engine/sim/index.ts';
import { tcpStack } from '../../engine/sim/tcp/stack.ts';

export type TcpOutcome = 'SYN-ACK' | 'RST' | 'nothing';

let nextPort = 41000;

/** Starts TCP listeners and UDP receivers on `ports` in a namespace; returns the UDP arrivals log. */
export function serve(world: World, node: string, ports: readonly number[]): { udp: { from: string; port: number }[] } {
  const k = world.node(node);
  const log: { from: string; port: number }[] = [];
  for (const port of ports) {
    tcpStack(k).listen({ port, owner: 'agnhost' }, () => undefined);
    k.udpSockets.set(port, (pkt) => {
      log.push({ from: [24, 16, 8, 0].map((s) => (pkt.src >>> s) & 255).join('.'), port });
    });
  }
  return { udp: log };
}

/** Sends one SYN from `node` to dst:port and reports what came back within `waitMs` virtual ms. */
export function tcpProbe(world: World, node: string, dst: string, port: number, waitMs = 100): TcpOutcome {
  const k = world.node(node);
  const sport = nextPort++;
  let got: TcpOutcome = 'nothing';
  k.tcpListeners.set(sport, (pkt) => {
    const t = pkt.payload;
    if (t instanceof Uint8Array || t.kind !== 'tcp') return;
    if (t.flags & TCP_RST) got = 'RST';
    else if ((t.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) got = 'SYN-ACK';
  });
  sendIp(k, makeIpv4({ src: 0, dst: parseIPv4(dst), payload: makeTcp({ srcPort: sport, dstPort: port, seq: 1000, flags: TCP_SYN }) }), {});
  world.run(waitMs);
  k.tcpListeners.delete(sport);
  return got;
}

/** Sends one UDP datagram; true when the server socket at dst:port received it. */
export function udpProbe(world: World, node: string, dst: string, port: number, server: { udp: { from: string; port: number }[] }, waitMs = 100): boolean {
  const before = server.udp.length;
  sendIp(world.node(node), makeIpv4({ src: 0, dst: parseIPv4(dst), payload: makeUdp(nextPort++, port, new Uint8Array([1, 2, 3])) }), {});
  world.run(waitMs);
  return server.udp.slice(before).some((r) => r.port === port);
}
