/**
 * Tokens of the pcap-filter(7) language, cut the way libpcap's flex scanner cuts them:
 * longest match wins and, on a tie, the rule listed first (keywords before MAC before
 * number before dotted address before identifier). So "tcp-syn" is the constant 2, "10.5" is
 * a (short) dotted address, "1000-2000" is an identifier (a port range) and "\icmp" is the
 * identifier "icmp" rather than the keyword.
 */

export type TokKind =
  | 'kw' // keyword (text holds it, canonicalised: "&&" → "and", "!" → "not")
  | 'num' // number or named constant (value)
  | 'hid' // dotted IPv4 address, 2..4 parts
  | 'hid6' // IPv6 address text
  | 'eid' // MAC address
  | 'id' // identifier (host name, port name, port range, escaped keyword)
  | 'op' // punctuation / operator
  | 'eof';

export interface Token {
  readonly kind: TokKind;
  readonly text: string;
  readonly value: number;
  /** 1-based column of the token's first character. */
  readonly col: number;
}

/** Thrown by the lexer and parser; `column` is 1-based within the expression. */
export class FilterError extends Error {
  override name = 'FilterError';
  constructor(
    /** The text tcpdump prints after "tcpdump: ". */
    readonly tcpdumpMessage: string,
    readonly column: number,
  ) {
    super(`${tcpdumpMessage} (column ${column})`);
  }
}

const KEYWORDS = new Map<string, string>([
  ...['dst', 'src', 'arp', 'rarp', 'ip', 'sctp', 'tcp', 'udp', 'icmp', 'igmp', 'igrp', 'pim', 'vrrp', 'carp',
    'ip6', 'icmp6', 'ah', 'esp', 'host', 'net', 'port', 'portrange', 'proto', 'protochain', 'gateway',
    'less', 'greater', 'byte', 'broadcast', 'multicast', 'and', 'or', 'inbound', 'outbound', 'ifindex',
    'vlan', 'mpls', 'pppoed', 'pppoes', 'geneve', 'atalk', 'aarp', 'decnet', 'lat', 'sca', 'moprc', 'mopdl',
    'iso', 'esis', 'isis', 'l1', 'l2', 'iih', 'lsp', 'snp', 'csnp', 'psnp', 'clnp', 'stp', 'ipx', 'netbeui',
    'radio', 'llc'].map((k) => [k, k] as [string, string]),
  ['link', 'link'], ['ether', 'link'], ['ppp', 'link'], ['slip', 'link'], ['fddi', 'link'], ['tr', 'link'],
  ['wlan', 'link'], ['mask', 'mask'], ['not', 'not'], ['len', 'len'], ['length', 'len'], ['es-is', 'esis'],
  ['is-is', 'isis'],
]);

const CONSTANTS = new Map<string, number>([
  ['icmptype', 0], ['icmpcode', 1], ['icmp-echoreply', 0], ['icmp-unreach', 3], ['icmp-sourcequench', 4],
  ['icmp-redirect', 5], ['icmp-echo', 8], ['icmp-routeradvert', 9], ['icmp-routersolicit', 10],
  ['icmp-timxceed', 11], ['icmp-paramprob', 12], ['icmp-tstamp', 13], ['icmp-tstampreply', 14],
  ['icmp-ireq', 15], ['icmp-ireqreply', 16], ['icmp-maskreq', 17], ['icmp-maskreply', 18],
  ['icmp6type', 0], ['icmp6code', 1], ['icmp6-echo', 128], ['icmp6-echoreply', 129],
  ['tcpflags', 13], ['tcp-fin', 0x01], ['tcp-syn', 0x02], ['tcp-rst', 0x04], ['tcp-push', 0x08],
  ['tcp-ack', 0x10], ['tcp-urg', 0x20], ['tcp-ece', 0x40], ['tcp-cwr', 0x80],
]);

const N = '(?:0[xX][0-9A-Fa-f]+|[0-9]+)';
const B = '[0-9A-Fa-f][0-9A-Fa-f]?';
const B2 = '[0-9A-Fa-f]{4}';
const RE_NUM = new RegExp(N, 'y');
const RE_HID = new RegExp(`${N}(?:\\.${N}){1,3}`, 'y');
const RE_MAC = new RegExp(
  `(?:${B}:${B}:${B}:${B}:${B}:${B}|${B}-${B}-${B}-${B}-${B}-${B}|${B}\\.${B}\\.${B}\\.${B}\\.${B}\\.${B}|${B2}\\.${B2}\\.${B2}|[0-9A-Fa-f]{12})`,
  'y',
);
// Loose IPv6 shape; the parser rejects IPv6 operands anyway (podlab's packets are IPv4).
const RE_V6 = /(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}/y;
const RE_ID = /[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/y;
const RE_ESC = /\\[^ !()\n\t]+/y;
const OPS2 = ['>=', '<=', '!=', '==', '<<', '>>', '&&', '||'];
const OPS1 = '+-*/%:[]!<>()&|^=';

function matchAt(re: RegExp, s: string, pos: number): string {
  re.lastIndex = pos;
  const m = re.exec(s);
  return m ? m[0] : '';
}

/** Splits a filter expression into tokens; throws FilterError on a character no rule takes. */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  while (pos < src.length) {
    const ch = src[pos]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') { pos++; continue; }
    const col = pos + 1;
    const two = src.slice(pos, pos + 2);
    if (OPS2.includes(two)) {
      const text = two === '&&' ? 'and' : two === '||' ? 'or' : two === '==' ? '=' : two;
      out.push({ kind: two === '&&' || two === '||' ? 'kw' : 'op', text, value: 0, col });
      pos += 2;
      continue;
    }
    if (OPS1.includes(ch)) {
      out.push(ch === '!' ? { kind: 'kw', text: 'not', value: 0, col } : { kind: 'op', text: ch, value: 0, col });
      pos++;
      continue;
    }
    if (ch === '\\') {
      const esc = matchAt(RE_ESC, src, pos);
      if (esc.length > 1) {
        out.push({ kind: 'id', text: esc.slice(1), value: 0, col });
        pos += esc.length;
        continue;
      }
    }
    const word = matchAt(RE_ID, src, pos);
    const mac = matchAt(RE_MAC, src, pos);
    const num = matchAt(RE_NUM, src, pos);
    const hid = matchAt(RE_HID, src, pos);
    const v6 = matchAt(RE_V6, src, pos);
    const best = Math.max(word.length, mac.length, num.length, hid.length, v6.length);
    if (best === 0) throw new FilterError("can't parse filter expression: syntax error", col);
    let tok: Token;
    if (word.length === best && KEYWORDS.has(word)) tok = { kind: 'kw', text: KEYWORDS.get(word)!, value: 0, col };
    else if (word.length === best && CONSTANTS.has(word)) tok = { kind: 'num', text: word, value: CONSTANTS.get(word)!, col };
    else if (mac.length === best) tok = { kind: 'eid', text: mac, value: 0, col };
    else if (num.length === best) tok = { kind: 'num', text: num, value: parseNumber(num, col), col };
    else if (hid.length === best) tok = { kind: 'hid', text: hid, value: 0, col };
    else if (v6.length === best && word.length < best) tok = { kind: 'hid6', text: v6, value: 0, col };
    else tok = { kind: 'id', text: word, value: 0, col };
    out.push(tok);
    pos += best;
  }
  out.push({ kind: 'eof', text: '', value: 0, col: src.length + 1 });
  return out;
}

/** libpcap's stou(): decimal, 0x hex, or leading-0 octal, capped at 32 bits. */
export function parseNumber(text: string, col: number): number {
  let v: number;
  if (/^0[xX]/.test(text)) v = parseInt(text.slice(2), 16);
  else if (text.length > 1 && text[0] === '0') {
    if (!/^[0-7]+$/.test(text)) throw new FilterError(`number ${text} contains non-octal digit`, col);
    v = parseInt(text, 8);
  } else v = parseInt(text, 10);
  if (v > 0xffffffff) throw new FilterError(`number ${text} overflows 32 bits`, col);
  return v >>> 0;
}
