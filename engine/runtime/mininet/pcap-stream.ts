/**
 * A pcap savefile arriving in chunks (tcpdump -U -w - on a pipe): the same format
 * net/pcap.ts reads whole, parsed as bytes come, yielding each complete record once.
 * Pure: no I/O. Records have net/pcap.ts's PcapRecord shape.
 */
import type { PcapRecord } from '../../net/pcap.ts';
import { readPcap } from '../../net/pcap.ts';

/** Incremental pcap reader: `push` chunks, get back the records they completed. */
export class PcapStream {
  private buf = new Uint8Array(0);
  private header: Uint8Array | undefined;
  private le = true;
  private nano = false;
  /** Link type from the global header, once seen. */
  linktype: number | undefined;

  /** Feeds bytes; returns the records completed by them (throws on a malformed stream). */
  push(chunk: Uint8Array): PcapRecord[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const out: PcapRecord[] = [];
    if (!this.header) {
      if (this.buf.length < 24) return out;
      this.header = this.buf.slice(0, 24);
      // readPcap validates magic/version and tells byte order through the fields it decodes.
      const f = readPcap(this.header);
      this.linktype = f.linktype;
      const v = new DataView(this.header.buffer);
      this.le = v.getUint32(0, true) === 0xa1b2c3d4 || v.getUint32(0, true) === 0xa1b23c4d;
      this.nano = v.getUint32(0, this.le) === 0xa1b23c4d;
      this.buf = this.buf.slice(24);
    }
    let off = 0;
    const v = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    while (off + 16 <= this.buf.length) {
      const caplen = v.getUint32(off + 8, this.le);
      if (caplen > 0x4000000) throw new Error(`pcap stream: record claims ${caplen} bytes (corrupt stream)`);
      if (off + 16 + caplen > this.buf.length) break;
      const sec = v.getUint32(off, this.le);
      const frac = v.getUint32(off + 4, this.le);
      out.push({
        tsMs: sec * 1000 + (this.nano ? frac / 1e6 : frac / 1e3),
        data: this.buf.slice(off + 16, off + 16 + caplen),
        origLen: v.getUint32(off + 12, this.le),
      });
      off += 16 + caplen;
    }
    this.buf = this.buf.slice(off);
    return out;
  }
}
