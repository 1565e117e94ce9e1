/**
 * Name tables iptables resolves: protocols (/etc/protocols on Debian 12), services, ICMP
 * types and TCP flags. Only the entries a lab meets are listed; anything else is numeric.
 */

/** Protocol names iptables-save prints (getprotobynumber on Debian's /etc/protocols). */
export const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp', 2: 'igmp', 4: 'ipencap', 6: 'tcp', 17: 'udp', 41: 'ipv6', 47: 'gre', 50: 'esp', 51: 'ah',
  58: 'ipv6-icmp', 94: 'ipip', 112: 'vrrp', 132: 'sctp', 136: 'udplite',
};

const PROTO_BY_NAME: ReadonlyMap<string, number> = new Map(
  [...Object.entries(PROTO_NAMES).map(([n, name]) => [name, Number(n)] as [string, number]),
    ['all', 0], ['ip', 0], ['icmpv6', 58]],
);

/** `-p` argument → protocol number (0 = all), or undefined when unknown. */
export function protoNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 255 ? n : undefined;
  }
  return PROTO_BY_NAME.get(text.toLowerCase());
}

/** Service names accepted for ports (a subset of /etc/services). */
export const SERVICES: ReadonlyMap<string, number> = new Map([
  ['ftp', 21], ['ssh', 22], ['telnet', 23], ['smtp', 25], ['domain', 53], ['bootps', 67], ['bootpc', 68],
  ['http', 80], ['ntp', 123], ['bgp', 179], ['https', 443], ['etcd-client', 2379], ['etcd-server', 2380],
]);

/** ICMP type names iptables knows: name → [type, code] (code undefined = any code). */
export const ICMP_TYPES: ReadonlyMap<string, [number, number | undefined]> = new Map([
  ['any', [255, undefined]],
  ['echo-reply', [0, undefined]], ['pong', [0, undefined]],
  ['destination-unreachable', [3, undefined]],
  ['network-unreachable', [3, 0]], ['host-unreachable', [3, 1]], ['protocol-unreachable', [3, 2]],
  ['port-unreachable', [3, 3]], ['fragmentation-needed', [3, 4]], ['source-route-failed', [3, 5]],
  ['network-unknown', [3, 6]], ['host-unknown', [3, 7]], ['network-prohibited', [3, 9]],
  ['host-prohibited', [3, 10]], ['TOS-network-unreachable', [3, 11]], ['TOS-host-unreachable', [3, 12]],
  ['communication-prohibited', [3, 13]], ['host-precedence-violation', [3, 14]], ['precedence-cutoff', [3, 15]],
  ['source-quench', [4, undefined]], ['redirect', [5, undefined]], ['network-redirect', [5, 0]],
  ['host-redirect', [5, 1]], ['TOS-network-redirect', [5, 2]], ['TOS-host-redirect', [5, 3]],
  ['echo-request', [8, undefined]], ['ping', [8, undefined]],
  ['router-advertisement', [9, undefined]], ['router-solicitation', [10, undefined]],
  ['time-exceeded', [11, undefined]], ['ttl-exceeded', [11, undefined]],
  ['ttl-zero-during-transit', [11, 0]], ['ttl-zero-during-reassembly', [11, 1]],
  ['parameter-problem', [12, undefined]], ['ip-header-bad', [12, 0]], ['required-option-missing', [12, 1]],
  ['timestamp-request', [13, undefined]], ['timestamp-reply', [14, undefined]],
  ['address-mask-request', [17, undefined]], ['address-mask-reply', [18, undefined]],
]);

/** TCP flag names in the order `--tcp-flags` prints them. */
export const TCP_FLAG_NAMES: readonly [string, number][] = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20],
];

/** Formats a flag mask the way iptables-save does (NONE, or FIN,SYN,...). */
export function formatTcpFlags(v: number): string {
  if (v === 0) return 'NONE';
  return TCP_FLAG_NAMES.filter(([, bit]) => v & bit).map(([n]) => n).join(',');
}

/** Parses a `--tcp-flags` list (ALL = the six classic flags, NONE = 0); undefined on an unknown name. */
export function parseTcpFlags(text: string): number | undefined {
  let v = 0;
  for (const name of text.split(',')) {
    const up = name.toUpperCase();
    if (up === 'ALL') v |= 0x3f;
    else if (up === 'NONE') continue;
    else {
      const hit = TCP_FLAG_NAMES.find(([n]) => n === up);
      if (!hit) return undefined;
      v |= hit[1];
    }
  }
  return v;
}
