/**
 * SCTP (RFC 9260) on the wire, the part a probe needs: the common header (ports, verification
 * tag, CRC32c checksum) and the chunks of an association's life — INIT, INIT ACK (with its
 * State Cookie), COOKIE ECHO, COOKIE ACK, DATA, SACK, ABORT, SHUTDOWN, SHUTDOWN ACK,
 * SHUTDOWN COMPLETE. Pure: bytes in, values out. An IPv4 packet carries SCTP as its raw
 * payload (protocol 132); whoever needs the ports reads them with `sctpPorts`.
 */

export const IPPROTO_SCTP = 132;

export const SCTP_DATA = 0;
export const SCTP_INIT = 1;
export const SCTP_INIT_ACK = 2;
export const SCTP_SACK = 3;
export const SCTP_ABORT = 6;
export const SCTP_SHUTDOWN = 7;
export const SCTP_SHUTDOWN_ACK = 8;
export const SCTP_COOKIE_ECHO = 10;
export const SCTP_COOKIE_ACK = 11;
export const SCTP_SHUTDOWN_COMPLETE = 14;

/** The State Cookie parameter of INIT ACK. */
const PARAM_STATE_COOKIE = 7;

/** One chunk: type, flags, and its value bytes (what follows the 4-byte chunk header, unpadded). */
export interface SctpChunk {
  readonly type: number;
  readonly flags: number;
  readonly value: Uint8Array;
}

/** An SCTP packet: common header + chunks. */
export interface SctpPacket {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly vtag: number;
  readonly chunks: readonly SctpChunk[];
}

/** INIT / INIT ACK fixed fields (+ the cookie of an INIT ACK). */
export interface SctpInit {
  readonly initiateTag: number;
  readonly arwnd: number;
  readonly outStreams: number;
  readonly inStreams: number;
  readonly initialTsn: number;
  readonly cookie?: Uint8Array;
}

/** One DATA chunk's fields. */
export interface SctpData {
  readonly tsn: number;
  readonly stream: number;
  readonly ssn: number;
  readonly ppid: number;
  readonly data: Uint8Array;
}

// CRC32c (Castagnoli, reflected polynomial 0x82F63B78), RFC 9260 appendix B.
const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC32C[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Writes the checksum of a whole SCTP packet into bytes 8..11 (little-endian on the wire, as RFC 9260 B specifies). */
function seal(b: Uint8Array): Uint8Array {
  b[8] = b[9] = b[10] = b[11] = 0;
  const c = crc32c(b);
  b[8] = c & 0xff; b[9] = (c >>> 8) & 0xff; b[10] = (c >>> 16) & 0xff; b[11] = c >>> 24;
  return b;
}

/** The packet's bytes, checksum included. */
export function encodeSctp(p: SctpPacket): Uint8Array {
  const len = 12 + p.chunks.reduce((n, c) => n + ((4 + c.value.length + 3) & ~3), 0);
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint16(0, p.srcPort);
  v.setUint16(2, p.dstPort);
  v.setUint32(4, p.vtag >>> 0);
  let o = 12;
  for (const c of p.chunks) {
    b[o] = c.type;
    b[o + 1] = c.flags;
    v.setUint16(o + 2, 4 + c.value.length);
    b.set(c.value, o + 4);
    o += (4 + c.value.length + 3) & ~3;
  }
  return seal(b);
}

/** Parses an SCTP packet; undefined when it is too short, malformed, or its checksum is wrong (the kernel drops those). */
export function decodeSctp(b: Uint8Array): SctpPacket | undefined {
  if (b.length < 12) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const sum = (b[8]! | (b[9]! << 8) | (b[10]! << 16) | (b[11]! << 24)) >>> 0;
  const copy = b.slice();
  copy[8] = copy[9] = copy[10] = copy[11] = 0;
  if (crc32c(copy) !== sum) return undefined;
  const chunks: SctpChunk[] = [];
  for (let o = 12; o + 4 <= b.length;) {
    const len = v.getUint16(o + 2);
    if (len < 4 || o + len > b.length) return undefined;
    chunks.push({ type: b[o]!, flags: b[o + 1]!, value: b.slice(o + 4, o + len) });
    o += (len + 3) & ~3;
  }
  return { srcPort: v.getUint16(0), dstPort: v.getUint16(2), vtag: v.getUint32(4), chunks };
}

/** Source and destination ports of SCTP bytes (first fragment); undefined when shorter than the common header. */
export function sctpPorts(b: Uint8Array): { srcPort: number; dstPort: number } | undefined {
  if (b.length < 12) return undefined;
  return { srcPort: (b[0]! << 8) | b[1]!, dstPort: (b[2]! << 8) | b[3]! };
}

/** A copy of SCTP bytes with one port replaced and the checksum recomputed (NAT of an SCTP port). */
export function withSctpPort(b: Uint8Array, which: 'src' | 'dst', port: number): Uint8Array {
  const out = b.slice();
  const at = which === 'src' ? 0 : 2;
  out[at] = port >>> 8;
  out[at + 1] = port & 0xff;
  return seal(out);
}

/** INIT or INIT ACK chunk (an INIT ACK carries the State Cookie). */
export function initChunk(type: typeof SCTP_INIT | typeof SCTP_INIT_ACK, i: SctpInit): SctpChunk {
  const cookie = i.cookie;
  const param = cookie ? (4 + cookie.length + 3) & ~3 : 0;
  const b = new Uint8Array(16 + param);
  const v = new DataView(b.buffer);
  v.setUint32(0, i.initiateTag >>> 0);
  v.setUint32(4, i.arwnd >>> 0);
  v.setUint16(8, i.outStreams);
  v.setUint16(10, i.inStreams);
  v.setUint32(12, i.initialTsn >>> 0);
  if (cookie) {
    v.setUint16(16, PARAM_STATE_COOKIE);
    v.setUint16(18, 4 + cookie.length);
    b.set(cookie, 20);
  }
  return { type, flags: 0, value: b };
}

/** The fields of an INIT / INIT ACK chunk (and its cookie); undefined when too short. */
export function readInit(c: SctpChunk): SctpInit | undefined {
  if (c.value.length < 16) return undefined;
  const v = new DataView(c.value.buffer, c.value.byteOffset, c.value.byteLength);
  let cookie: Uint8Array | undefined;
  for (let o = 16; o + 4 <= c.value.length;) {
    const t = v.getUint16(o);
    const len = v.getUint16(o + 2);
    if (len < 4 || o + len > c.value.length) break;
    if (t === PARAM_STATE_COOKIE) cookie = c.value.slice(o + 4, o + len);
    o += (len + 3) & ~3;
  }
  return { initiateTag: v.getUint32(0), arwnd: v.getUint32(4), outStreams: v.getUint16(8), inStreams: v.getUint16(10), initialTsn: v.getUint32(12), ...(cookie ? { cookie } : {}) };
}

/** A DATA chunk carrying a whole message (B and E bits set). */
export function dataChunk(d: SctpData): SctpChunk {
  const b = new Uint8Array(12 + d.data.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, d.tsn >>> 0);
  v.setUint16(4, d.stream);
  v.setUint16(6, d.ssn);
  v.setUint32(8, d.ppid >>> 0);
  b.set(d.data, 12);
  return { type: SCTP_DATA, flags: 0x03, value: b };
}

/** The fields of a DATA chunk; undefined when too short. */
export function readData(c: SctpChunk): SctpData | undefined {
  if (c.value.length < 12) return undefined;
  const v = new DataView(c.value.buffer, c.value.byteOffset, c.value.byteLength);
  return { tsn: v.getUint32(0), stream: v.getUint16(4), ssn: v.getUint16(6), ppid: v.getUint32(8), data: c.value.slice(12) };
}

/** A SACK acknowledging everything up to `cumTsn` (no gaps, no duplicates). */
export function sackChunk(cumTsn: number, arwnd: number): SctpChunk {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, cumTsn >>> 0);
  v.setUint32(4, arwnd >>> 0);
  return { type: SCTP_SACK, flags: 0, value: b };
}

/** SHUTDOWN with the cumulative TSN received. */
export function shutdownChunk(cumTsn: number): SctpChunk {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, cumTsn >>> 0);
  return { type: SCTP_SHUTDOWN, flags: 0, value: b };
}

/** A chunk with no value (COOKIE ACK, SHUTDOWN ACK, SHUTDOWN COMPLETE, ABORT without causes). */
export function bareChunk(type: number, flags = 0): SctpChunk {
  return { type, flags, value: new Uint8Array(0) };
}

/** The cookie a COOKIE ECHO carries. */
export function cookieEchoChunk(cookie: Uint8Array): SctpChunk {
  return { type: SCTP_COOKIE_ECHO, flags: 0, value: cookie };
}

const CHUNK_NAMES: Readonly<Record<number, string>> = {
  0: 'DATA', 1: 'INIT', 2: 'INIT ACK', 3: 'SACK', 6: 'ABORT', 7: 'SHUTDOWN', 8: 'SHUTDOWN ACK', 10: 'COOKIE ECHO', 11: 'COOKIE ACK', 14: 'SHUTDOWN COMPLETE',
};

/** A chunk type's name as tcpdump prints it (`[INIT]`), or its number. */
export function chunkName(type: number): string {
  return CHUNK_NAMES[type] ?? String(type);
}
