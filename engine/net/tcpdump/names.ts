/**
 * The name tables libpcap consults through the C library (/etc/services, /etc/protocols on
 * Debian's netbase) and its own EtherType list, frozen here so the filter stays pure and
 * behaves the same in the browser. Only names a pod-networking lab plausibly types are listed.
 */

/** Service name → port and the transports /etc/services lists it for. */
export const SERVICES: ReadonlyMap<string, { port: number; tcp: boolean; udp: boolean }> = new Map(
  ([
    ['ftp-data', 20, 't'], ['ftp', 21, 't'], ['ssh', 22, 't'], ['telnet', 23, 't'], ['smtp', 25, 't'],
    ['domain', 53, 'tu'], ['bootps', 67, 'u'], ['bootpc', 68, 'u'], ['tftp', 69, 'u'], ['http', 80, 't'],
    ['www', 80, 't'], ['kerberos', 88, 'tu'], ['pop3', 110, 't'], ['sunrpc', 111, 'tu'], ['ntp', 123, 'u'],
    ['imap2', 143, 't'], ['imap', 143, 't'], ['snmp', 161, 'tu'], ['snmp-trap', 162, 'tu'], ['bgp', 179, 't'],
    ['ldap', 389, 'tu'], ['https', 443, 'tu'], ['microsoft-ds', 445, 't'], ['isakmp', 500, 'u'],
    ['syslog', 514, 'u'], ['domain-s', 853, 'tu'], ['openvpn', 1194, 'tu'], ['nfs', 2049, 'tu'],
    ['mysql', 3306, 't'], ['postgresql', 5432, 't'], ['postgres', 5432, 't'], ['http-alt', 8080, 't'],
    ['webcache', 8080, 't'],
  ] as const).map(([n, port, p]) => [n, { port, tcp: p.includes('t'), udp: p.includes('u') }]),
);

/** Protocol name → IP protocol number (Debian /etc/protocols: note `ipip` is 94, IP-in-IP 4 is `ipencap`). */
export const IP_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['ip', 0], ['hopopt', 0], ['icmp', 1], ['igmp', 2], ['ggp', 3], ['ipencap', 4], ['st', 5], ['tcp', 6],
  ['egp', 8], ['igp', 9], ['pup', 12], ['udp', 17], ['hmp', 20], ['xns-idp', 22], ['rdp', 27], ['dccp', 33],
  ['ipv6', 41], ['ipv6-route', 43], ['ipv6-frag', 44], ['rsvp', 46], ['gre', 47], ['esp', 50], ['ah', 51],
  ['ipv6-icmp', 58], ['ipv6-nonxt', 59], ['ipv6-opts', 60], ['eigrp', 88], ['ospf', 89], ['ax.25', 93],
  ['ipip', 94], ['etherip', 97], ['encap', 98], ['pim', 103], ['ipcomp', 108], ['vrrp', 112], ['l2tp', 115],
  ['isis', 124], ['sctp', 132], ['fc', 133], ['udplite', 136], ['mpls-in-ip', 137],
]);

/** EtherType names `ether proto \NAME` accepts. */
export const ETHER_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['ip', 0x0800], ['ip6', 0x86dd], ['arp', 0x0806], ['rarp', 0x8035], ['atalk', 0x809b], ['aarp', 0x80f3],
  ['sca', 0x6007], ['lat', 0x6004], ['mopdl', 0x6001], ['moprc', 0x6002], ['decnet', 0x6003],
]);

/** Resolves a port given as a service name or a number; undefined when neither. */
export function lookupPort(name: string): { port: number; tcp: boolean; udp: boolean } | undefined {
  if (/^[0-9]+$/.test(name)) return { port: Number(name), tcp: true, udp: true };
  return SERVICES.get(name);
}
