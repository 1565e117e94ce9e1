/**
 * Error handling: header errors (1/x), OPEN errors (2/x), and the RFC 7606 outcome of every
 * kind of malformed UPDATE, each checked against hand-built bytes.
 */
import { describe, expect, it } from 'vitest';
import {
  attributeCode,
  attributesForPropagation,
  decodeMessage,
  encodeMessage,
  findAttribute,
  routeChanges,
  toHex,
  type CodecOptions,
  type DecodeOutcome,
  type UpdateMessage,
} from '../../../engine/bgp/codec/index.ts';
import { AS_PATH_64512_4B, NEXT_HOP_10_0_0_1, NLRI_10_1, ORIGIN_IGP, attr, cat, msg, update } from './wire-helpers.ts';

const AS4: CodecOptions = { as4: true };
const BASE = cat(ORIGIN_IGP, AS_PATH_64512_4B, NEXT_HOP_10_0_0_1);

function outcome(bytes: Uint8Array, opts: CodecOptions = AS4): DecodeOutcome {
  return decodeMessage(bytes, opts);
}
function expectReset(o: DecodeOutcome, code: number, subcode: number): Uint8Array {
  expect(o.kind, JSON.stringify(o)).toBe('session-reset');
  if (o.kind !== 'session-reset') throw new Error('unreachable');
  expect([o.notification.code, o.notification.subcode]).toEqual([code, subcode]);
  return o.notification.data;
}
function expectKind(o: DecodeOutcome, kind: 'treat-as-withdraw' | 'attribute-discard', subcode: number, attrCode?: number): UpdateMessage {
  expect(o.kind, JSON.stringify(o)).toBe(kind);
  if (o.kind !== kind) throw new Error('unreachable');
  expect(o.problems.map((p) => p.subcode)).toContain(subcode);
  if (attrCode !== undefined) expect(o.problems.map((p) => p.attrCode)).toContain(attrCode);
  return o.message;
}

describe('message header → NOTIFICATION 1/x', () => {
  it('a wrong marker is 1/1 (connection not synchronized)', () => {
    const b = msg(4, []);
    b[3] = 0;
    expectReset(outcome(b), 1, 1);
  });
  it('lengths outside 19..4096, or wrong for the type, are 1/2 with the length as data', () => {
    expect(toHex(expectReset(outcome(msg(4, [0])), 1, 2))).toBe('0014'); // KEEPALIVE of 20
    expect(toHex(expectReset(outcome(msg(2, [0, 0])), 1, 2))).toBe('0015'); // UPDATE of 21
    expect(toHex(expectReset(outcome(msg(3, [6])), 1, 2))).toBe('0014'); // NOTIFICATION of 20
    expect(toHex(expectReset(outcome(msg(1, new Array(9).fill(0))), 1, 2))).toBe('001c'); // OPEN of 28
    const big = update([], new Uint8Array(0), new Array(5000).fill(0));
    expectReset(outcome(big), 1, 2);
    expectReset(decodeMessage(big.slice(0, 18), AS4), 1, 2);
  });
  it('an unknown type is 1/3 with the type as data', () => {
    expect(toHex(expectReset(outcome(msg(9, [])), 1, 3))).toBe('09');
  });
  it('a ROUTE-REFRESH of the wrong length is 7/1 carrying the message (RFC 7313)', () => {
    const b = msg(5, [0, 1, 0, 1, 0]);
    expect(toHex(expectReset(outcome(b), 7, 1))).toBe(toHex(b));
  });
  it('65535-byte UPDATEs are accepted only with Extended Message', () => {
    const nlri = new Array(6000).fill(0).flatMap((_, i) => [24, 10, (i >> 8) & 0xff, i & 0xff]).slice(0, 20000);
    const b = update([], BASE, nlri);
    expectReset(outcome(b), 1, 2);
    const ext = outcome(b, { as4: true, extendedMessage: true });
    expect(ext.kind).toBe('ok');
    // OPEN and KEEPALIVE stay limited to 4096 (RFC 8654 §4).
    expectReset(outcome(msg(4, new Array(5000).fill(0)), { as4: true, extendedMessage: true }), 1, 2);
  });
});

describe('OPEN errors → NOTIFICATION 2/x', () => {
  const open = (version: number, hold: number, id: number[], params: number[], optLen = params.length): Uint8Array =>
    msg(1, [version, 0xfc, 0x00, hold >> 8, hold & 0xff, ...id, optLen, ...params]);
  const CAPS = [2, 6, 65, 4, 0, 0, 0xfc, 0];
  it('version 3 is 2/1 with our version (0x0004) as data', () => {
    expect(toHex(expectReset(outcome(open(3, 90, [10, 0, 0, 1], CAPS)), 2, 1))).toBe('0004');
  });
  it('hold time 1 or 2 is 2/6; 0 and 3 are fine', () => {
    expectReset(outcome(open(4, 1, [10, 0, 0, 1], CAPS)), 2, 6);
    expectReset(outcome(open(4, 2, [10, 0, 0, 1], CAPS)), 2, 6);
    expect(outcome(open(4, 0, [10, 0, 0, 1], CAPS)).kind).toBe('ok');
    expect(outcome(open(4, 3, [10, 0, 0, 1], CAPS)).kind).toBe('ok');
  });
  it('BGP identifier 0.0.0.0 is 2/3', () => {
    expectReset(outcome(open(4, 90, [0, 0, 0, 0], CAPS)), 2, 3);
  });
  it('an optional parameter other than capabilities is 2/4', () => {
    expectReset(outcome(open(4, 90, [10, 0, 0, 1], [1, 2, 0, 0])), 2, 4);
  });
  it('parameter lengths that do not add up are 2/0', () => {
    expectReset(outcome(open(4, 90, [10, 0, 0, 1], CAPS, CAPS.length - 1)), 2, 0);
    expectReset(outcome(open(4, 90, [10, 0, 0, 1], [2, 9, 65, 4, 0, 0, 0xfc, 0])), 2, 0);
    expectReset(outcome(open(4, 90, [10, 0, 0, 1], [2, 6, 65, 9, 0, 0, 0xfc, 0])), 2, 0);
  });
  it('an unknown or malformed capability is kept raw, not an error (RFC 5492)', () => {
    const o = outcome(open(4, 90, [10, 0, 0, 1], [2, 9, 200, 1, 7, 65, 4, 0, 0, 0xfc, 0]));
    expect(o.kind).toBe('ok');
    if (o.kind !== 'ok' || o.message.type !== 'open') throw new Error();
    expect(o.message.capabilities).toEqual([
      { kind: 'unknown', code: 200, value: new Uint8Array([7]) },
      { kind: 'as4', asn: 64512 },
    ]);
    const malformedMp = outcome(open(4, 90, [10, 0, 0, 1], [2, 5, 1, 3, 0, 1, 0]));
    if (malformedMp.kind !== 'ok' || malformedMp.message.type !== 'open') throw new Error();
    expect(malformedMp.message.capabilities[0]!.kind).toBe('unknown');
  });
});

describe('UPDATE errors → RFC 7606 outcomes', () => {
  const withAttrs = (...extra: Uint8Array[]): Uint8Array => update([], cat(...extra), NLRI_10_1);
  const cases: [string, Uint8Array, 'treat-as-withdraw' | 'attribute-discard', number, number][] = [
    ['ORIGIN length 2', withAttrs(attr(0x40, 1, [0, 0]), AS_PATH_64512_4B, NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 5, 1],
    ['ORIGIN value 3', withAttrs(attr(0x40, 1, [3]), AS_PATH_64512_4B, NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 6, 1],
    ['ORIGIN flagged optional', withAttrs(attr(0xc0, 1, [0]), AS_PATH_64512_4B, NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 4, 1],
    ['AS_PATH segment type 9', withAttrs(ORIGIN_IGP, attr(0x40, 2, [9, 1, 0, 0, 0xfc, 0]), NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 11, 2],
    ['AS_PATH segment overruns', withAttrs(ORIGIN_IGP, attr(0x40, 2, [2, 2, 0, 0, 0xfc, 0]), NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 11, 2],
    ['AS_PATH empty segment', withAttrs(ORIGIN_IGP, attr(0x40, 2, [2, 0]), NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 11, 2],
    ['NEXT_HOP length 5', withAttrs(ORIGIN_IGP, AS_PATH_64512_4B, attr(0x40, 3, [10, 0, 0, 1, 0])), 'treat-as-withdraw', 5, 3],
    ['NEXT_HOP 0.0.0.0', withAttrs(ORIGIN_IGP, AS_PATH_64512_4B, attr(0x40, 3, [0, 0, 0, 0])), 'treat-as-withdraw', 8, 3],
    ['NEXT_HOP multicast', withAttrs(ORIGIN_IGP, AS_PATH_64512_4B, attr(0x40, 3, [224, 0, 0, 5])), 'treat-as-withdraw', 8, 3],
    ['MED length 3', withAttrs(BASE, attr(0x80, 4, [0, 0, 1])), 'treat-as-withdraw', 5, 4],
    ['LOCAL_PREF length 2', withAttrs(BASE, attr(0x40, 5, [0, 1])), 'treat-as-withdraw', 5, 5],
    ['COMMUNITIES length 5', withAttrs(BASE, attr(0xc0, 8, [0, 0, 0, 1, 2])), 'treat-as-withdraw', 5, 8],
    ['COMMUNITIES length 0', withAttrs(BASE, attr(0xc0, 8, [])), 'treat-as-withdraw', 5, 8],
    ['ORIGINATOR_ID length 5', withAttrs(BASE, attr(0x80, 9, [1, 2, 3, 4, 5])), 'treat-as-withdraw', 5, 9],
    ['CLUSTER_LIST length 6', withAttrs(BASE, attr(0x80, 10, [1, 2, 3, 4, 5, 6])), 'treat-as-withdraw', 5, 10],
    ['EXTENDED_COMMUNITIES length 7', withAttrs(BASE, attr(0xc0, 16, [0, 2, 0, 1, 0, 0, 0])), 'treat-as-withdraw', 5, 16],
    ['LARGE_COMMUNITY length 13', withAttrs(BASE, attr(0xc0, 32, new Array(13).fill(1))), 'treat-as-withdraw', 5, 32],
    ['AGGREGATOR length 5', withAttrs(BASE, attr(0xc0, 7, [0, 0, 0xfc, 0, 10])), 'attribute-discard', 5, 7],
    ['ATOMIC_AGGREGATE length 1', withAttrs(BASE, attr(0x40, 6, [1])), 'attribute-discard', 5, 6],
    ['AS4_PATH malformed', withAttrs(BASE, attr(0xc0, 17, [2, 3, 0])), 'attribute-discard', 9, 17],
    ['AS4_AGGREGATOR length 6', withAttrs(BASE, attr(0xc0, 18, [0, 0, 0, 1, 2, 3])), 'attribute-discard', 5, 18],
    ['a repeated ORIGIN', withAttrs(BASE, attr(0x40, 1, [2])), 'attribute-discard', 1, 1],
    ['missing NEXT_HOP with NLRI', withAttrs(ORIGIN_IGP, AS_PATH_64512_4B), 'treat-as-withdraw', 3, 3],
    ['missing ORIGIN with NLRI', withAttrs(AS_PATH_64512_4B, NEXT_HOP_10_0_0_1), 'treat-as-withdraw', 3, 1],
    // RFC 7606 §4: framing errors inside the attribute list; the NLRI is still located.
    ['an attribute overrunning the attribute list', withAttrs(BASE, new Uint8Array([0x40, 5, 9, 0, 0])), 'treat-as-withdraw', 1, -1],
    ['stray bytes after the last attribute', withAttrs(BASE, new Uint8Array([0x40, 5])), 'treat-as-withdraw', 1, -1],
  ];
  for (const [what, bytes, kind, subcode, code] of cases) {
    it(`${what} → ${kind} (3/${subcode})`, () => {
      const m = expectKind(outcome(bytes), kind, subcode, code >= 0 ? code : undefined);
      // The offending attribute is gone from the decoded message (for discards and withdraws).
      if (what.startsWith('a repeated')) expect(findAttribute(m.attributes, 'origin')!.origin).toBe('igp');
      else if (what.includes('attribute list') || what.startsWith('stray')) expect(m.attributes.length).toBe(3);
      else if (!what.startsWith('missing')) expect(m.attributes.map(attributeCode)).not.toContain(code);
      const rc = routeChanges(outcome(bytes));
      if (kind === 'treat-as-withdraw') {
        expect(rc.announce4).toEqual([]);
        expect(rc.withdraw4).toEqual([{ addr: 0x0a010000, len: 16 }]);
      } else expect(rc.announce4).toEqual([{ addr: 0x0a010000, len: 16 }]);
    });
  }

  it('the strongest action wins: a bad AGGREGATOR and a bad ORIGIN → treat-as-withdraw listing both', () => {
    const o = outcome(withAttrs(attr(0x40, 1, [7]), AS_PATH_64512_4B, NEXT_HOP_10_0_0_1, attr(0xc0, 7, [1])));
    expect(o.kind).toBe('treat-as-withdraw');
    if (o.kind !== 'treat-as-withdraw') throw new Error();
    expect(o.problems.map((p) => p.action).sort()).toEqual(['attribute-discard', 'treat-as-withdraw']);
  });

  it('attributes are not required when nothing is announced (withdrawal, End-of-RIB)', () => {
    expect(outcome(update([24, 10, 0, 0], new Uint8Array(0), [])).kind).toBe('ok');
    expect(outcome(update([], new Uint8Array(0), [])).kind).toBe('ok');
  });

  it('MP_REACH needs ORIGIN and AS_PATH but no NEXT_HOP', () => {
    const mp = attr(0x80, 14, [0, 2, 1, 16, 0xfd, ...new Array(14).fill(0), 1, 0, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1]);
    expect(outcome(update([], cat(mp, ORIGIN_IGP, AS_PATH_64512_4B), [])).kind).toBe('ok');
    expectKind(outcome(update([], cat(mp, ORIGIN_IGP), [])), 'treat-as-withdraw', 3, 2);
  });

  const sessionResets: [string, Uint8Array, number, number][] = [
    ['MP_REACH twice', update([], cat(attr(0x80, 15, [0, 2, 1]), attr(0x80, 15, [0, 2, 1])), []), 1, 0],
    ['MP_REACH IPv6 next hop of 7 bytes', update([], cat(attr(0x80, 14, [0, 2, 1, 7, 1, 2, 3, 4, 5, 6, 7, 0]), ORIGIN_IGP, AS_PATH_64512_4B), []), 9, 0],
    ['MP_REACH with an IPv6 prefix /129', update([], cat(attr(0x80, 14, [0, 2, 1, 16, ...new Array(16).fill(1), 0, 129]), ORIGIN_IGP, AS_PATH_64512_4B), []), 9, 0],
    ['MP_UNREACH truncated', update([], attr(0x80, 15, [0, 2]), []), 9, 0],
    ['MP_REACH flagged transitive', update([], attr(0xc0, 15, [0, 2, 1]), []), 4, 0],
    ['NLRI /33', update([], BASE, [33, 10, 0, 0, 0, 0]), 10, 0],
    ['NLRI truncated', update([], BASE, [24, 10, 0]), 10, 0],
    ['withdrawn /40', update([40, 1, 2, 3, 4, 5], new Uint8Array(0), []), 10, 0],
    ['withdrawn length overruns', msg(2, [0, 50, 0, 0]), 1, 0],
    ['total attribute length overruns', msg(2, [0, 0, 0, 50, 0x40, 1, 1, 0]), 1, 0],
    // RFC 7606 §5.2: treat-as-withdraw problems in an UPDATE that announces nothing reset.
    ['an attribute overrunning the list, nothing announced', update([], cat(ORIGIN_IGP, [0x40, 2, 40, 2, 1]), []), 1, 0],
    ['an extended length overrunning the list, nothing announced', update([], cat(ORIGIN_IGP, [0x50, 2, 0x01, 0x00, 2]), []), 1, 0],
    ['a truncated attribute header, nothing announced', update([], cat(ORIGIN_IGP, [0x40, 2]), []), 1, 0],
    ['a malformed ORIGIN in a withdrawal-only UPDATE', update([24, 10, 0, 0], attr(0x40, 1, [9]), []), 1, 0],
    ['unrecognised well-known attribute', update([], cat(BASE, attr(0x40, 99, [1, 2])), NLRI_10_1), 2, 5],
  ];
  for (const [what, bytes, subcode, dataLen] of sessionResets) {
    it(`${what} → session-reset with NOTIFICATION 3/${subcode}`, () => {
      const data = expectReset(outcome(bytes), 3, subcode);
      if (dataLen) expect(data.length).toBe(dataLen);
    });
  }

  it('MP_REACH errors carry the attribute as NOTIFICATION data', () => {
    const bad = attr(0x80, 14, [0, 2, 1, 7, 1, 2, 3, 4, 5, 6, 7, 0]);
    expect(toHex(expectReset(outcome(update([], bad, [])), 3, 9))).toBe(toHex(bad));
  });
});

describe('attribute flags and unknown attributes', () => {
  it('an Extended Length bit on a short attribute is accepted, remembered and re-encoded', () => {
    const bytes = update([], cat(attr(0x40, 1, [0], true), AS_PATH_64512_4B, NEXT_HOP_10_0_0_1, attr(0xc0, 8, [0xfc, 0, 0, 100], true)), NLRI_10_1);
    const o = outcome(bytes);
    if (o.kind !== 'ok' || o.message.type !== 'update') throw new Error(JSON.stringify(o));
    expect(findAttribute(o.message.attributes, 'origin')!.wireFlags).toBe(0x50);
    expect(findAttribute(o.message.attributes, 'communities')!.communities).toEqual([0xfc000064]);
    expect(toHex(encodeMessage(o.message, AS4))).toBe(toHex(bytes));
  });

  it('a value longer than 255 bytes is written with the Extended Length bit', () => {
    const communities = Array.from({ length: 70 }, (_, i) => (0xfc000000 + i) >>> 0);
    const m: UpdateMessage = { type: 'update', withdrawn: [], attributes: [{ kind: 'communities', communities }], nlri: [] };
    const b = encodeMessage(m, AS4);
    expect(toHex(b.slice(23, 27))).toBe('d0080118'); // flags 0xC0|0x10, type 8, length 280
    const o = outcome(b);
    expect(o.kind === 'ok' && o.message).toEqual(m);
  });

  it('unknown optional attributes are kept; propagation sets Partial on transitive ones and drops the rest', () => {
    const bytes = update([], cat(BASE, attr(0xc0, 99, [1, 2, 3]), attr(0x80, 98, [4])), NLRI_10_1);
    const o = outcome(bytes);
    if (o.kind !== 'ok' || o.message.type !== 'update') throw new Error(JSON.stringify(o));
    expect(o.message.attributes.slice(3)).toEqual([
      { kind: 'unknown', code: 99, flags: 0xc0, value: new Uint8Array([1, 2, 3]) },
      { kind: 'unknown', code: 98, flags: 0x80, value: new Uint8Array([4]) },
    ]);
    expect(toHex(encodeMessage(o.message, AS4))).toBe(toHex(bytes));
    const passed = attributesForPropagation(o.message.attributes);
    expect(passed.slice(3)).toEqual([{ kind: 'unknown', code: 99, flags: 0xe0, value: new Uint8Array([1, 2, 3]) }]);
    const out = encodeMessage({ ...o.message, attributes: passed }, AS4);
    expect(toHex(out)).toContain('e0630301020');
  });
});
