import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DecodeError, encodeFrame, makeFrame, makeIcmpEcho, makeIpv4 } from '../../engine/net/codec/index.ts';
import { PcapWriter, readPcap } from '../../engine/net/pcap.ts';
import { haveCommands } from '../support/system.ts';
import { tempPcap } from './tshark.ts';

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const FIXTURE = join(import.meta.dirname, '../fixtures/bgp-interop/bird-gobgp.pcap');

function errorOf(fn: () => unknown): DecodeError {
  try { fn(); } catch (e) { if (e instanceof DecodeError) return e; throw e; }
  throw new Error('expected a DecodeError');
}

describe('PcapWriter', () => {
  it('writes the libpcap global header once (LE, µs, v2.4, snaplen, linktype 1)', () => {
    const w = new PcapWriter();
    expect(toHex(w.bytes())).toBe('d4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + '00000400' + '01000000');
    expect(w.count).toBe(0);
  });
  it('writes record headers with second/microsecond timestamps and both lengths', () => {
    const w = new PcapWriter();
    w.add(1_700_000_123_456.789, Uint8Array.of(1, 2, 3));
    const b = w.bytes();
    expect(b.length).toBe(24 + 16 + 3);
    const v = new DataView(b.buffer);
    expect(v.getUint32(24, true)).toBe(1_700_000_123);
    expect(v.getUint32(28, true)).toBe(456_789);
    expect(v.getUint32(32, true)).toBe(3);
    expect(v.getUint32(36, true)).toBe(3);
    expect(toHex(b.slice(40))).toBe('010203');
  });
  it('rounds a timestamp that lands on the next second into it', () => {
    const w = new PcapWriter();
    w.add(1999.9999, Uint8Array.of(0));
    expect(readPcap(w.bytes()).records[0]!.tsMs).toBe(2000);
  });
  it('truncates to snaplen but keeps the original length', () => {
    const w = new PcapWriter({ snaplen: 4 });
    w.add(0, new Uint8Array(10).fill(7));
    const r = readPcap(w.bytes());
    expect(r.snaplen).toBe(4);
    expect(r.records[0]).toEqual({ tsMs: 0, data: new Uint8Array(4).fill(7), origLen: 10 });
  });
  it('grows across many records and keeps appending after bytes()', () => {
    const w = new PcapWriter();
    for (let i = 0; i < 1000; i++) w.add(i, new Uint8Array(100).fill(i & 0xff));
    const first = w.bytes();
    w.add(5000, Uint8Array.of(9));
    expect(w.byteLength).toBe(first.length + 17);
    const r = readPcap(w.bytes());
    expect(r.records.length).toBe(1001);
    expect(r.records[999]!.data[0]).toBe(999 & 0xff);
    expect(r.records[1000]!.tsMs).toBe(5000);
  });
  it('addFrame keeps every frame when the file buffer grows under it', () => {
    const w = new PcapWriter();
    const frame = makeFrame({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', payload: makeIpv4({ src: 0x0a000001, dst: 0x0a000002, payload: makeIcmpEcho(8, 1, 1, new Uint8Array(100)) }) });
    const n = 200; // well past the initial 4 KiB buffer
    for (let i = 0; i < n; i++) w.addFrame(i, frame);
    const r = readPcap(w.bytes());
    expect(r.records.length).toBe(n);
    for (const rec of r.records) expect(toHex(rec.data)).toBe(toHex(encodeFrame(frame)));
  });
  it('rejects negative or non-finite timestamps', () => {
    expect(() => new PcapWriter().add(-1, Uint8Array.of(0))).toThrow(RangeError);
    expect(() => new PcapWriter().add(Number.NaN, Uint8Array.of(0))).toThrow(RangeError);
  });
});

describe('readPcap', () => {
  it('reads a real tcpdump capture', () => {
    const r = readPcap(new Uint8Array(readFileSync(FIXTURE)));
    expect(r.linktype).toBe(1);
    expect(r.snaplen).toBe(262144);
    expect(r.records.length).toBe(24);
    expect(r.records[0]!.data.length).toBe(87);
  });
  it('reads big-endian files', () => {
    const b = new Uint8Array(24 + 16 + 2);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0xa1b2c3d4, false);
    v.setUint16(4, 2, false); v.setUint16(6, 4, false);
    v.setUint32(16, 65535, false); v.setUint32(20, 1, false);
    v.setUint32(24, 10, false); v.setUint32(28, 250_000, false); v.setUint32(32, 2, false); v.setUint32(36, 60, false);
    b[40] = 0xab; b[41] = 0xcd;
    expect(readPcap(b)).toEqual({ linktype: 1, snaplen: 65535, records: [{ tsMs: 10_250, data: Uint8Array.of(0xab, 0xcd), origLen: 60 }] });
  });
  it('reads nanosecond-magic files', () => {
    const w = new PcapWriter();
    w.add(1234, Uint8Array.of(1));
    const b = w.bytes();
    new DataView(b.buffer).setUint32(0, 0xa1b23c4d, true);
    new DataView(b.buffer).setUint32(28, 234_000_001, true);
    expect(readPcap(b).records[0]!.tsMs).toBeCloseTo(1234.000001, 9);
  });
  it('rejects other magics, pcapng, bad versions and truncation with clear errors', () => {
    expect(errorOf(() => readPcap(new Uint8Array(24))).reason).toMatch(/not a pcap file: magic 0x00000000/);
    const ng = new Uint8Array(28); new DataView(ng.buffer).setUint32(0, 0x0a0d0d0a, false);
    expect(errorOf(() => readPcap(ng)).reason).toMatch(/pcapng/);
    expect(errorOf(() => readPcap(new Uint8Array(10))).reason).toMatch(/shorter than the 24-byte header/);
    const w = new PcapWriter(); w.add(0, new Uint8Array(20));
    const b = w.bytes();
    expect(errorOf(() => readPcap(b.slice(0, b.length - 1))).reason).toMatch(/truncated pcap record 1/);
    expect(errorOf(() => readPcap(b.slice(0, 30))).reason).toMatch(/truncated pcap record header/);
    const v3 = b.slice(); v3[4] = 3;
    expect(errorOf(() => readPcap(v3)).offset).toBe(4);
  });
});

describe.skipIf(!haveCommands('editcap'))('readPcap against editcap conversions', () => {
  const run = promisify(execFile);
  it('reads editcap nanosecond pcap with the same records, and refuses its pcapng', async () => {
    const orig = readPcap(new Uint8Array(readFileSync(FIXTURE)));
    const src = tempPcap('in.pcap', new Uint8Array(readFileSync(FIXTURE)));
    try {
      const ns = `${src.file}.ns.pcap`;
      const ng = `${src.file}.pcapng`;
      await run('editcap', ['-F', 'nsecpcap', src.file, ns]);
      await run('editcap', ['-F', 'pcapng', src.file, ng]);
      const nsBytes = new Uint8Array(readFileSync(ns));
      expect(new DataView(nsBytes.buffer).getUint32(0, true)).toBe(0xa1b23c4d);
      const r = readPcap(nsBytes);
      expect(r.records.length).toBe(orig.records.length);
      r.records.forEach((rec, i) => {
        expect(rec.tsMs).toBeCloseTo(orig.records[i]!.tsMs, 6);
        expect(toHex(rec.data)).toBe(toHex(orig.records[i]!.data));
      });
      expect(errorOf(() => readPcap(new Uint8Array(readFileSync(ng)))).reason).toMatch(/pcapng.*editcap -F pcap/);
    } finally {
      src.cleanup();
    }
  });
});
