/**
 * The compiled form of a filter expression: a small tree the matcher walks.
 *
 * `depth` on link-dependent nodes counts the `vlan` keywords written before the node, because
 * libpcap shifts every later link-layer offset by 4 bytes per `vlan` it has seen (textual
 * order, whatever the and/or structure): `vlan and ip` looks for IPv4 after the tag, a bare
 * `ip` only matches untagged frames.
 */

/** Direction qualifier: `src`, `dst`, `src or dst` ('or'), `src and dst` ('and'). */
export type Dir = 'default' | 'src' | 'dst' | 'or' | 'and';

/** Which address families a host/net primitive checks. */
export interface HostFamilies {
  readonly ip: boolean;
  readonly arp: boolean;
  readonly rarp: boolean;
}

export type FilterNode =
  | { readonly t: 'true' }
  | { readonly t: 'and' | 'or'; readonly a: FilterNode; readonly b: FilterNode }
  | { readonly t: 'not'; readonly a: FilterNode }
  /** EtherType at the (vlan-shifted) link-type offset is one of `types`. */
  | { readonly t: 'ethertype'; readonly depth: number; readonly types: readonly number[] }
  /** IPv4 protocol / IPv6 next header equals `proto`. */
  | { readonly t: 'ipproto'; readonly depth: number; readonly v4: boolean; readonly v6: boolean; readonly proto: number }
  | { readonly t: 'host'; readonly depth: number; readonly dir: Dir; readonly fam: HostFamilies; readonly addr: number; readonly mask: number }
  | { readonly t: 'ehost'; readonly dir: Dir; readonly mac: string }
  /** Transport port in [lo, hi] for one of `protos` (6, 17, 132); unfragmented only, as libpcap does. */
  | { readonly t: 'port'; readonly depth: number; readonly dir: Dir; readonly protos: readonly number[]; readonly lo: number; readonly hi: number; readonly v4: boolean; readonly v6: boolean }
  | { readonly t: 'vlan'; readonly depth: number; readonly id: number | undefined }
  | { readonly t: 'ebroadcast' | 'emulticast' }
  | { readonly t: 'ipmulticast'; readonly depth: number }
  | { readonly t: 'direction'; readonly dir: 'In' | 'Out' }
  | { readonly t: 'rel'; readonly op: RelOp; readonly a: Arith; readonly b: Arith };

export type RelOp = '>' | '>=' | '<' | '<=' | '=' | '!=';

/** Byte-load bases: where `proto[off]` counts from. */
export type LoadBase = 'link' | 'ip' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'icmp' | 'igmp' | 'sctp' | 'ip6';

export type Arith =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'len' }
  | { readonly t: 'load'; readonly base: LoadBase; readonly depth: number; readonly off: Arith; readonly size: 1 | 2 | 4 }
  | { readonly t: 'bin'; readonly op: string; readonly a: Arith; readonly b: Arith }
  | { readonly t: 'neg'; readonly a: Arith };

/** True when evaluating the tree needs the frame's bytes (byte loads). */
export function needsBytes(n: FilterNode | Arith): boolean {
  switch (n.t) {
    case 'and': case 'or': return needsBytes(n.a) || needsBytes(n.b);
    case 'not': case 'neg': return needsBytes(n.a);
    case 'rel': case 'bin': return needsBytes(n.a) || needsBytes(n.b);
    case 'load': return true;
    default: return false;
  }
}

/** True when the tree reads the packet length (`len`, `less`, `greater`). */
export function usesLen(n: FilterNode | Arith): boolean {
  switch (n.t) {
    case 'and': case 'or': case 'rel': case 'bin': return usesLen(n.a) || usesLen(n.b);
    case 'not': case 'neg': return usesLen(n.a);
    case 'load': return usesLen(n.off);
    case 'len': return true;
    default: return false;
  }
}
