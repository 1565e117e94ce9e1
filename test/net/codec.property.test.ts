import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  decodeFrame, decodeIpv4, DecodeError, encodeFrame, encodeIpv4, frameLength, ipv4TotalLength,
} from '../../engine/net/codec/index.ts';
import { PcapWriter, readPcap } from '../../engine/net/pcap.ts';
import type { Ipv4Packet } from '../../engine/net/packet.ts';
import { frameArb } from './arbitraries.ts';

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

describe('codec properties', () => {
  it('encode → decode → encode is byte-identical and decode returns the same structure', () => {
    fc.assert(
      fc.property(frameArb(2), (f) => {
        const b1 = encodeFrame(f);
        expect(b1.length).toBe(frameLength(f));
        const d = decodeFrame(b1);
        expect(d).toEqual(f);
        expect(same(encodeFrame(d), b1)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('ipv4TotalLength agrees with the encoded length', () => {
    fc.assert(
      fc.property(frameArb(2).filter((f) => !(f.payload instanceof Uint8Array) && f.payload.kind === 'ipv4'), (f) => {
        const p = f.payload as Ipv4Packet;
        expect(encodeIpv4(p).length).toBe(ipv4TotalLength(p));
        expect(same(encodeIpv4(decodeIpv4(encodeIpv4(p))), encodeIpv4(p))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('mutated, truncated or extended frames throw nothing but DecodeError', () => {
    const mutation = fc.record({
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      extra: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(frameArb(2), mutation, (f, m) => {
        let b = encodeFrame(f);
        for (const [at, x] of m.flips) b[at % b.length] ^= x;
        if (m.cut !== undefined) b = b.slice(0, m.cut % (b.length + 1));
        const ext = new Uint8Array(b.length + m.extra.length);
        ext.set(b);
        ext.set(m.extra, b.length);
        for (const bytes of [b, ext]) {
          onlyDecodeErrors(() => decodeFrame(bytes));
          onlyDecodeErrors(() => decodeFrame(bytes, { verifyChecksums: false }));
          onlyDecodeErrors(() => decodeIpv4(bytes.subarray(Math.min(14, bytes.length)), { verifyChecksums: false }));
        }
        // What still decodes must re-encode without error (the model it produced is valid).
        try {
          encodeFrame(decodeFrame(ext, { verifyChecksums: false }));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes throw nothing but DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        onlyDecodeErrors(() => decodeFrame(b));
        onlyDecodeErrors(() => decodeFrame(b, { verifyChecksums: false }));
        onlyDecodeErrors(() => decodeIpv4(b, { verifyChecksums: false }));
        onlyDecodeErrors(() => readPcap(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('pcap files round-trip and mutated pcaps throw nothing but DecodeError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4e12 }), frameArb(1)), { maxLength: 5 }), fc.nat(), fc.nat(), (recs, at, cut) => {
        const w = new PcapWriter();
        for (const [ts, f] of recs) w.addFrame(ts, f);
        const file = w.bytes();
        const r = readPcap(file);
        expect(r.records.map((x) => x.tsMs)).toEqual(recs.map(([ts]) => ts));
        r.records.forEach((x, i) => expect(same(x.data, encodeFrame(recs[i]![1]))).toBe(true));
        const bad = file.slice(0, cut % (file.length + 1));
        if (bad.length) bad[at % bad.length] ^= 0x5a;
        onlyDecodeErrors(() => readPcap(bad));
      }),
      { numRuns: 500 },
    );
  });
});
