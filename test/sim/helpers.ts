/** Small builders for hand-made fabrics in simulator tests (what `ip` would do, as ops calls). */
import { parseIPv4, parsePrefix4 } from '../../engine/net/ip.ts';
import type { Kernel } from '../../engine/sim/kernel.ts';
import { RTPROT_BOOT } from '../../engine/sim/types.ts';

/** `ip addr add CIDR dev DEV && ip link set DEV up`. */
export function addr(k: Kernel, dev: string, cidr: string): void {
  k.setLink(dev, { up: true });
  k.addAddress(dev, parsePrefix4(cidr));
}

/** `ip route add DST via GW [dev DEV] [onlink]`. */
export function route(k: Kernel, dst: string, via: string | undefined, dev?: string, extra: { onlink?: boolean; type?: 'blackhole' | 'unreachable' | 'prohibit' } = {}): void {
  const type = extra.type ?? 'unicast';
  k.addRoute({
    table: 254, type, dst: parsePrefix4(dst === 'default' ? '0.0.0.0/0' : dst), protocol: RTPROT_BOOT,
    scope: via === undefined && type === 'unicast' ? 'link' : 'global', metric: 0, onlink: extra.onlink ?? false,
    ...(via !== undefined ? { gateway: parseIPv4(via) } : {}), ...(dev !== undefined ? { dev } : {}),
  }, 'add');
}

/** A switch: a bridge enslaving the given ports, everything up. */
export function makeSwitch(k: Kernel, ports: string[], opts: { vlanFiltering?: boolean } = {}): void {
  k.addLink({ kind: 'bridge', name: 'br0', vlanFiltering: opts.vlanFiltering ?? false });
  for (const p of ports) {
    k.setLink(p, { master: 'br0', up: true });
  }
  k.setLink('br0', { up: true });
}
