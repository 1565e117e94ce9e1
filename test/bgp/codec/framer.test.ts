/** The framer against real TCP streams cut every possible way, and against header errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer, checkHeader, toHex } from '../../../engine/bgp/codec/index.ts';
import { validHeaderLength } from '../../../engine/bgp/codec/messages.ts';
import { readHexCapture } from './captures.ts';
import { cat, msg } from './wire-helpers.ts';

/** One direction of a capture as a single byte stream, plus the messages it holds. */
function stream(name: string, src: string): { bytes: Uint8Array; messages: string[] } {
  const bytes = cat(...readHexCapture(name).filter((s) => s.src === src).map((s) => s.payload));
  const messages: string[] = [];
  for (let at = 0; at < bytes.length; ) {
    const len = (bytes[at + 16]! << 8) | bytes[at + 17]!;
    messages.push(toHex(bytes.slice(at, at + len)));
    at += len;
  }
  return { bytes, messages };
}

describe('Framer', () => {
  const s = stream('frr-exabgp', '10.0.0.1');

  it('returns the same messages whether the stream arrives whole, byte by byte, or cut anywhere', () => {
    const whole = new Framer().push(s.bytes);
    expect(whole.messages.map(toHex)).toEqual(s.messages);
    const f = new Framer();
    const got: string[] = [];
    for (const b of s.bytes) got.push(...f.push(new Uint8Array([b])).messages.map(toHex));
    expect(got).toEqual(s.messages);
    expect(f.buffered).toBe(0);
  });

  it('property: any chunking of a real stream yields the same messages', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: s.bytes.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const f = new Framer();
        const got: string[] = [];
        let prev = 0;
        for (const p of [...points, s.bytes.length]) {
          const out = f.push(s.bytes.slice(prev, p));
          expect(out.error).toBeUndefined();
          got.push(...out.messages.map(toHex));
          prev = p;
        }
        expect(got).toEqual(s.messages);
      }),
      { numRuns: 500 },
    );
  });

  it('holds a partial message until the rest arrives', () => {
    const f = new Framer();
    const k = msg(4, []);
    expect(f.push(k.slice(0, 10)).messages).toEqual([]);
    expect(f.buffered).toBe(10);
    expect(f.push(cat(k.slice(10), k.slice(0, 3))).messages.map(toHex)).toEqual([toHex(k)]);
    expect(f.buffered).toBe(3);
  });

  it('reports 1/1 for a bad marker, 1/2 for a bad length, 1/3 for a bad type, then stays stopped', () => {
    const badMarker = msg(4, []);
    badMarker[0] = 0xfe;
    const cases: [Uint8Array, number, string][] = [
      [badMarker, 1, ''],
      [msg(4, [], 18), 2, '0012'],
      [msg(2, [], 4097), 2, '1001'],
      [msg(8, []), 3, '08'],
    ];
    for (const [bytes, sub, data] of cases) {
      const f = new Framer();
      const out = f.push(cat(msg(4, []), bytes));
      expect(out.messages.length).toBe(1); // the KEEPALIVE before the error still comes out
      expect([out.error?.notification.code, out.error?.notification.subcode]).toEqual([1, sub]);
      expect(toHex(out.error!.notification.data)).toBe(data);
      expect(f.push(msg(4, [])).messages).toEqual([]);
    }
  });

  it('validHeaderLength (the allocation-free check) accepts exactly the headers checkHeader accepts', () => {
    const header = fc.tuple(
      fc.constantFrom(-1, 0, 7, 15), // a marker byte that is not 0xff, or none
      fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(19, 21, 23, 29, 4096, 4097, 65535)),
      fc.integer({ min: 0, max: 7 }),
      fc.boolean(),
    );
    fc.assert(fc.property(header, ([bad, length, type, ext]) => {
      const b = new Uint8Array(19).fill(0xff);
      if (bad >= 0) b[bad] = 0xfe;
      b[16] = length >> 8;
      b[17] = length & 0xff;
      b[18] = type;
      const h = checkHeader(b, 0, { extendedMessage: ext });
      expect(validHeaderLength(b, 0, ext)).toBe(h.ok ? h.length : -1);
    }), { numRuns: 2000 });
  });

  it('accepts 65535-byte UPDATEs after setExtendedMessage(true)', () => {
    const big = msg(2, [0, 0, 0, 0, ...new Array(9000).fill(0)]);
    expect(new Framer().push(big).error?.notification.subcode).toBe(2);
    const f = new Framer();
    f.setExtendedMessage(true);
    expect(f.push(big).messages.length).toBe(1);
  });
});
