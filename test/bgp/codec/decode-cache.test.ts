/**
 * The codec hands out one decoded UPDATE per distinct bytes (a reflector sends every client
 * the same bytes): the shared result must be exactly what decoding gives, frozen, keyed by
 * every byte and by the options that shape decoding, and never stand in for a broken UPDATE.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../engine/bgp/codec/index.ts';
import type { DecodeOutcome, UpdateMessage } from '../../../engine/bgp/codec/index.ts';
import { BytesCache, hashBytes } from '../../../engine/bgp/codec/bytes-cache.ts';
import { AS_PATH_64512_2B, AS_PATH_64512_4B, NEXT_HOP_10_0_0_1, NLRI_10_1, ORIGIN_IGP, attr, cat, update } from './wire-helpers.ts';

function updateOf(o: DecodeOutcome): UpdateMessage {
  if (o.kind === 'session-reset' || o.message.type !== 'update') throw new Error(`not an UPDATE: ${o.kind}`);
  return o.message;
}

describe('decoded UPDATEs shared by bytes', () => {
  const bytes = update([], cat(ORIGIN_IGP, AS_PATH_64512_4B, NEXT_HOP_10_0_0_1), NLRI_10_1);

  it('gives the same frozen message for a second copy of the same bytes, equal to a fresh decode', () => {
    const a = decodeMessage(bytes, { as4: true });
    const b = decodeMessage(bytes.slice(), { as4: true });
    expect(b).toBe(a);
    const m = updateOf(a);
    expect(Object.isFrozen(m) && Object.isFrozen(m.nlri) && Object.isFrozen(m.nlri[0])).toBe(true);
    expect(m.nlri).toEqual([{ addr: 0x0a010000, len: 16 }]);
    expect(m.attributes.map((x) => x.kind)).toEqual(['origin', 'as-path', 'next-hop']);
  });

  it('tells apart bytes that differ in one NLRI bit and the same bytes under other options', () => {
    const other = update([], cat(ORIGIN_IGP, AS_PATH_64512_4B, NEXT_HOP_10_0_0_1), [16, 10, 3]);
    expect(updateOf(decodeMessage(other, { as4: true })).nlri).toEqual([{ addr: 0x0a030000, len: 16 }]);
    // The 6-byte AS_PATH read as 2-octet ASNs is another path (0, 64512 → three ASNs).
    const as2 = updateOf(decodeMessage(bytes, { as4: false }));
    const as4 = updateOf(decodeMessage(bytes, { as4: true }));
    expect(as2).not.toBe(as4);
    expect(as2.attributes.find((x) => x.kind === 'as-path')).not.toEqual(as4.attributes.find((x) => x.kind === 'as-path'));
    const path2 = update([], cat(ORIGIN_IGP, AS_PATH_64512_2B, NEXT_HOP_10_0_0_1), NLRI_10_1);
    expect(updateOf(decodeMessage(path2, { as4: false })).attributes.find((x) => x.kind === 'as-path')).toEqual({ kind: 'as-path', segments: [{ type: 'sequence', asns: [64512] }] });
  });

  it('decodes a broken UPDATE every time (RFC 7606 handling runs on the real bytes)', () => {
    const broken = update([], cat(ORIGIN_IGP, AS_PATH_64512_4B, attr(0x40, 3, [10, 0, 0, 1, 0])), NLRI_10_1);
    for (let i = 0; i < 2; i++) {
      const o = decodeMessage(broken, { as4: true });
      expect(o.kind).toBe('treat-as-withdraw');
      expect(o.kind !== 'ok' && o.kind !== 'session-reset' ? o.problems[0]!.attrCode : undefined).toBe(3);
    }
  });
});

describe('BytesCache', () => {
  it('finds values by content and salt, survives hash collisions, and clears when full', () => {
    const c = new BytesCache<string>(3);
    const x = new Uint8Array([9, 1, 2, 3, 9]);
    const h = hashBytes(x, 1, 4, 0);
    c.set(h, x, 1, 4, 0, 'one-two-three');
    // Another value under the same hash (a collision) must not hide the first one.
    c.set(h, new Uint8Array([7, 7]), 0, 2, 0, 'seven');
    expect(c.get(h, new Uint8Array([1, 2, 3]), 0, 3, 0)).toBe('one-two-three');
    expect(c.get(h, new Uint8Array([7, 7]), 0, 2, 0)).toBe('seven');
    expect(c.get(h, x, 1, 4, 1)).toBeUndefined();
    x[2] = 5;
    expect(c.get(h, new Uint8Array([1, 2, 3]), 0, 3, 0)).toBe('one-two-three');
    c.set(1, new Uint8Array([1]), 0, 1, 0, 'a');
    expect(c.size).toBe(3);
    c.set(2, new Uint8Array([2]), 0, 1, 0, 'b');
    expect(c.size).toBe(1);
    expect(c.get(h, new Uint8Array([7, 7]), 0, 2, 0)).toBeUndefined();
    expect(hashBytes(x, 0, 5, 0)).toBeLessThan(2 ** 30);
  });
});
