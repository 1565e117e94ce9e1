/**
 * Classic libpcap savefiles (pcap-savefile(5)): a 24-byte global header — magic, version
 * 2.4, thiszone 0, sigfigs 0, snaplen, linktype — then per record a 16-byte header (seconds,
 * microseconds, captured length, original length) and the captured bytes.
 *
 * The writer produces little-endian microsecond files with linktype 1 (Ethernet), what
 * tcpdump writes on x86; it grows one buffer by doubling so a long capture does not
 * allocate per packet. The reader takes either byte order and microsecond or nanosecond
 * magic, and refuses anything else (pcapng included) with a message saying what it saw.
 *
 * Pure Uint8Array code: no fs, so the browser can read and write captures too.
 */
import type { EthernetFrame } from './packet.ts';
import { DecodeError } from './codec/wire.ts';
import { frameLength, writeFrame } from './codec/ethernet.ts';

/** DLT_EN10MB / LINKTYPE_ETHERNET. */
export const LINKTYPE_ETHERNET = 1;
/** tcpdump's default snapshot length. */
export const DEFAULT_SNAPLEN = 262144;

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;

/** One captured packet: when (ms since the epoch, or virtual ms), the bytes kept, and the length on the wire. */
export interface PcapRecord {
  readonly tsMs: number;
  readonly data: Uint8Array;
  readonly origLen: number;
}

/** A parsed savefile. */
export interface PcapFile {
  readonly linktype: number;
  readonly snaplen: number;
  readonly records: PcapRecord[];
}

/** Incremental pcap writer: the global header once, then one record per `add`. */
export class PcapWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  private n = 0;
  readonly snaplen: number;
  readonly linktype: number;

  /** Starts a savefile with the given snapshot length and link type (default Ethernet). */
  constructor(opts: { snaplen?: number; linktype?: number } = {}) {
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    this.linktype = opts.linktype ?? LINKTYPE_ETHERNET;
    this.buf = new Uint8Array(4096);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, MAGIC_US, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, this.linktype, true);
    this.len = 24;
  }

  /** Appends a record of raw link-layer bytes at time `tsMs` (truncated to snaplen). */
  add(tsMs: number, bytes: Uint8Array): void {
    const caplen = Math.min(bytes.length, this.snaplen);
    const at = this.reserve(caplen, bytes.length, tsMs);
    this.buf.set(caplen === bytes.length ? bytes : bytes.subarray(0, caplen), at);
  }

  /** Appends a typed frame, encoding it straight into the file buffer (no intermediate copy). */
  addFrame(tsMs: number, frame: EthernetFrame): void {
    const len = frameLength(frame);
    if (len > this.snaplen) {
      const tmp = new Uint8Array(len);
      writeFrame(frame, tmp, 0);
      this.add(tsMs, tmp);
      return;
    }
    // reserve() may replace this.buf when it grows: take the offset before reading the buffer.
    const at = this.reserve(len, len, tsMs);
    writeFrame(frame, this.buf, at);
  }

  /** Number of records written so far. */
  get count(): number {
    return this.n;
  }

  /** Size of the file so far in bytes. */
  get byteLength(): number {
    return this.len;
  }

  /** The file so far: a copy, so the writer can keep appending. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private reserve(caplen: number, origLen: number, tsMs: number): number {
    if (!Number.isFinite(tsMs) || tsMs < 0) throw new RangeError(`pcap timestamp ${tsMs} ms is not a non-negative number`);
    this.grow(16 + caplen);
    let sec = Math.floor(tsMs / 1000);
    let usec = Math.round((tsMs - sec * 1000) * 1000);
    if (usec >= 1_000_000) {
      sec += 1;
      usec -= 1_000_000;
    }
    const v = this.view;
    v.setUint32(this.len, sec >>> 0, true);
    v.setUint32(this.len + 4, usec, true);
    v.setUint32(this.len + 8, caplen, true);
    v.setUint32(this.len + 12, origLen, true);
    const at = this.len + 16;
    this.len = at + caplen;
    this.n++;
    return at;
  }

  private grow(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/** Parses a classic pcap savefile; throws DecodeError naming the offset on anything malformed. */
export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < 24) throw new DecodeError(0, `not a pcap file: ${bytes.length} bytes is shorter than the 24-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLE = v.getUint32(0, true);
  const magicBE = v.getUint32(0, false);
  let le: boolean;
  let nano: boolean;
  if (magicLE === MAGIC_US || magicLE === MAGIC_NS) {
    le = true;
    nano = magicLE === MAGIC_NS;
  } else if (magicBE === MAGIC_US || magicBE === MAGIC_NS) {
    le = false;
    nano = magicBE === MAGIC_NS;
  } else if (magicBE === PCAPNG_SHB) {
    throw new DecodeError(0, 'this is a pcapng file; only classic pcap is read (convert with: editcap -F pcap IN OUT)');
  } else {
    throw new DecodeError(0, `not a pcap file: magic 0x${magicBE.toString(16).padStart(8, '0')} (expected a1b2c3d4 or a1b23c4d in either byte order)`);
  }
  const major = v.getUint16(4, le);
  if (major !== 2) throw new DecodeError(4, `unsupported pcap version ${major}.${v.getUint16(6, le)} (expected 2.4)`);
  const snaplen = v.getUint32(16, le);
  // The top bits of the link-type field carry FCS info (pcap-savefile(5)); the type is the low 16.
  const linktype = v.getUint32(20, le) & 0xffff;
  const records: PcapRecord[] = [];
  let off = 24;
  while (off < bytes.length) {
    if (off + 16 > bytes.length) throw new DecodeError(off, `truncated pcap record header: ${bytes.length - off} of 16 bytes`);
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const caplen = v.getUint32(off + 8, le);
    const origLen = v.getUint32(off + 12, le);
    if (off + 16 + caplen > bytes.length) {
      throw new DecodeError(off + 8, `truncated pcap record ${records.length + 1}: captured length ${caplen}, ${bytes.length - off - 16} bytes left`);
    }
    const tsMs = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    records.push({ tsMs, data: bytes.slice(off + 16, off + 16 + caplen), origLen });
    off += 16 + caplen;
  }
  return { linktype, snaplen, records };
}
