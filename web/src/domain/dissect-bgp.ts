/**
 * BGP in the packet detail, as Wireshark shows it: one "Border Gateway Protocol" layer per
 * message of a TCP segment (OPEN with its capabilities, UPDATE with its path attributes and
 * NLRI, NOTIFICATION with its code and subcode names, KEEPALIVE). The values come from the
 * engine's own codec (engine/bgp/codec: decodeMessage, parseCapability, the attribute and
 * NOTIFICATION names), which is pure and bundles into the browser; this file only finds
 * where each field sits, so the bytes pane can highlight it. Never throws.
 */
import {
  attributeCode, attributeName, decodeMessage, formatAttribute, formatCapability, formatNotification, formatPrefix,
  notificationName, parseCapability, type BgpMessage, type UpdateMessage,
} from '../../../engine/bgp/codec/index.ts';
import type { Field } from './dissect.ts';

/** BGP's well-known TCP port. */
export const BGP_PORT = 179;
const HEADER = 19;
const TYPES: Record<number, string> = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const ip4 = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const f = (label: string, start: number, len: number): Field => ({ label, start, end: start + len });

/** Dissects the BGP messages in a TCP payload [o, end); a message cut by the segment's end is named as such. */
export function dissectBgp(b: Uint8Array, o: number, end: number): Field[] {
  const out: Field[] = [];
  let p = o;
  while (end - p >= HEADER && b.subarray(p, p + 16).every((x) => x === 0xff)) {
    const len = u16(b, p + 16);
    const type = b[p + 18]!;
    const name = TYPES[type] ?? `type ${type}`;
    if (len < HEADER || p + len > end) {
      out.push({ label: `Border Gateway Protocol - ${name} Message (${end - p} of its ${len} bytes in this segment)`, start: p, end, layer: 'bgp', children: header(b, p, name) });
      return out;
    }
    out.push(message(b, p, len, type, name));
    p += len;
  }
  if (p < end) out.push({ label: `${p === o ? 'BGP segment data' : 'Data'} (${end - p} bytes)`, start: p, end, layer: 'data' });
  return out;
}

function header(b: Uint8Array, p: number, name: string): Field[] {
  return [f('Marker: ffffffffffffffffffffffffffffffff', p, 16), f(`Length: ${u16(b, p + 16)}`, p + 16, 2), f(`Type: ${name} Message (${b[p + 18]})`, p + 18, 1)];
}

/** The codec's reading of one message; UPDATEs are tried with 4-octet ASNs first (what BIRD and Calico negotiate). */
function decode(bytes: Uint8Array): BgpMessage | undefined {
  for (const as4 of [true, false]) {
    const r = decodeMessage(bytes, { as4 });
    if (r.kind === 'ok') return r.message;
  }
  return undefined;
}

function message(b: Uint8Array, p: number, len: number, type: number, name: string): Field {
  const m = decode(b.subarray(p, p + len));
  const kids = header(b, p, name);
  let label = `Border Gateway Protocol - ${name} Message`;
  if (type === 1) open(b, p, len, kids);
  else if (type === 2) update(b, p, len, kids, m?.type === 'update' ? m : undefined);
  else if (type === 3 && len >= HEADER + 2) {
    const code = b[p + 19]!;
    const sub = b[p + 20]!;
    kids.push(f(`Major error Code: ${notificationName(code, 0)} (${code})`, p + 19, 1), f(`Minor error Code: ${notificationName(code, sub)} (${sub})`, p + 20, 1));
    if (len > HEADER + 2) kids.push(f(`Data: ${m?.type === 'notification' ? formatNotification(m) : `${len - HEADER - 2} bytes`}`, p + 21, len - HEADER - 2));
    label += `: ${notificationName(code, sub)}`;
  }
  if (m?.type === 'update' && !m.nlri.length && !m.withdrawn.length && !m.attributes.length) label += ' (End-of-RIB)';
  return { label, start: p, end: p + len, layer: 'bgp', children: kids };
}

function open(b: Uint8Array, p: number, len: number, kids: Field[]): void {
  if (len < HEADER + 10) return;
  kids.push(
    f(`Version: ${b[p + 19]}`, p + 19, 1), f(`My AS: ${u16(b, p + 20)}`, p + 20, 2), f(`Hold Time: ${u16(b, p + 22)}`, p + 22, 2),
    f(`BGP Identifier: ${ip4(b, p + 24)}`, p + 24, 4), f(`Optional Parameters Length: ${b[p + 28]}`, p + 28, 1),
  );
  const stop = Math.min(p + 29 + b[p + 28]!, p + len);
  for (let q = p + 29; q + 2 <= stop;) {
    const ptype = b[q]!;
    const plen = b[q + 1]!;
    if (ptype !== 2) kids.push(f(`Optional Parameter: type ${ptype} (${plen} bytes)`, q, 2 + plen));
    // Capabilities (parameter 2): one TLV each, read by the codec.
    else for (let c = q + 2; c + 2 <= Math.min(q + 2 + plen, stop);) {
      const clen = b[c + 1]!;
      const cap = parseCapability(b[c]!, b.subarray(c + 2, Math.min(c + 2 + clen, stop)));
      kids.push(f(`Capability: ${formatCapability(cap)}`, c, 2 + clen));
      c += 2 + clen;
    }
    q += 2 + plen;
  }
}

/** Prefixes packed as (length, ceil(length/8) bytes), each a field. */
function prefixes(b: Uint8Array, q: number, stop: number, what: string, kids: Field[]): void {
  while (q < stop) {
    const bits = b[q]!;
    const n = 1 + Math.ceil(bits / 8);
    const a = [0, 1, 2, 3].map((i) => (i < n - 1 ? b[q + 1 + i]! : 0));
    kids.push(f(`${what}: ${a.join('.')}/${bits}`, q, Math.min(n, stop - q)));
    q += n;
  }
}

function update(b: Uint8Array, p: number, len: number, kids: Field[], m: UpdateMessage | undefined): void {
  const end = p + len;
  let q = p + HEADER;
  if (end - q < 4) return;
  const wlen = u16(b, q);
  kids.push(f(`Withdrawn Routes Length: ${wlen}`, q, 2));
  prefixes(b, q + 2, Math.min(q + 2 + wlen, end), 'Withdrawn route', kids);
  q += 2 + wlen;
  if (end - q < 2) return;
  const alen = u16(b, q);
  kids.push(f(`Total Path Attribute Length: ${alen}`, q, 2));
  const astop = Math.min(q + 2 + alen, end);
  for (let a = q + 2; a + 3 <= astop;) {
    const flags = b[a]!;
    const code = b[a + 1]!;
    const ext = (flags & 0x10) !== 0;
    const vlen = ext ? u16(b, a + 2) : b[a + 2]!;
    const hl = ext ? 4 : 3;
    const decoded = m?.attributes.find((x) => attributeCode(x) === code);
    kids.push(f(`Path Attribute - ${decoded ? formatAttribute(decoded) : attributeName(code)}`, a, hl + vlen));
    a += hl + vlen;
  }
  prefixes(b, astop, end, 'NLRI', kids);
  if (m && (m.nlri.length || m.withdrawn.length)) {
    // The codec's summary last, for a learner reading top-down: what this UPDATE does.
    const what = [m.nlri.length ? `announces ${m.nlri.map(formatPrefix).join(' ')}` : '', m.withdrawn.length ? `withdraws ${m.withdrawn.map(formatPrefix).join(' ')}` : ''].filter(Boolean).join('; ');
    kids.push(f(`[${what}]`, p, len));
  }
}
