/**
 * Property tests: random valid messages round-trip exactly, and random damage to valid
 * messages (bit flips, truncation, length lies, splices) never throws out of the codec.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Framer, decodeMessage, encodeMessage, type BgpMessage, type CodecOptions, type DecodeOutcome } from '../../../engine/bgp/codec/index.ts';
import { bgpMessage, codecOptions } from './arbitraries.ts';

const RUNS = Number(process.env.BGP_PROPERTY_RUNS ?? 4000);

/** Valid message + session options + its bytes (messages too large for the session are skipped). */
const encoded = codecOptions.chain((opts) =>
  bgpMessage(opts).map((m) => {
    try {
      return { opts, m, bytes: encodeMessage(m, opts) };
    } catch (e) {
      if (e instanceof RangeError && /more than the|max 255|capabilities take/.test(e.message)) return null;
      throw e;
    }
  }),
).filter((x): x is { opts: CodecOptions; m: BgpMessage; bytes: Uint8Array } => x !== null);

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; data: Uint8Array }
  | { kind: 'delete'; at: number; n: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(b: Uint8Array, muts: Mutation[], keepHeader: boolean): Uint8Array {
  let out = b.slice();
  for (const m of muts) {
    // Mutations stay past the header when we want to exercise the body decoders.
    const lo = keepHeader ? Math.min(19, out.length) : 0;
    const span = Math.max(1, out.length - lo);
    const at = lo + (m.at % span);
    switch (m.kind) {
      case 'flip':
        if (at < out.length) out[at] = out[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (at < out.length) out[at] = m.value;
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'insert': {
        const n = new Uint8Array(out.length + m.data.length);
        n.set(out.subarray(0, at));
        n.set(m.data, at);
        n.set(out.subarray(at), at + m.data.length);
        out = n;
        break;
      }
      case 'delete':
        out = new Uint8Array([...out.subarray(0, at), ...out.subarray(at + m.n)]);
        break;
    }
  }
  // Make the header length tell the truth so the body decoders see the damage.
  if (keepHeader && out.length >= 19) {
    out[16] = out.length >> 8;
    out[17] = out.length & 0xff;
  }
  return out;
}

function checkOutcome(o: DecodeOutcome, opts: CodecOptions): void {
  expect(['ok', 'attribute-discard', 'treat-as-withdraw', 'session-reset']).toContain(o.kind);
  if (o.kind === 'session-reset') {
    expect(o.notification.code).toBeGreaterThanOrEqual(1);
    expect(o.notification.code).toBeLessThanOrEqual(7);
    expect(o.problems.length).toBeGreaterThan(0);
    return;
  }
  if (o.kind !== 'ok') expect(o.problems.length).toBeGreaterThan(0);
  // Whatever decoded is itself a valid message: it re-encodes, and decodes to itself.
  const again = decodeMessage(encodeMessage(o.message, opts), opts);
  expect(again.kind === 'session-reset' ? again : again.message).toEqual(o.message);
}

describe('codec properties', () => {
  it(`decode(encode(m)) deep-equals m for random valid messages (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(encoded, ({ opts, m, bytes }) => {
        const o = decodeMessage(bytes, opts);
        expect(o).toEqual({ kind: 'ok', message: m });
        // And the framer cuts the bytes back out of a stream of two copies.
        const f = new Framer({ extendedMessage: opts.extendedMessage });
        const two = new Uint8Array(bytes.length * 2);
        two.set(bytes);
        two.set(bytes, bytes.length);
        expect(f.push(two).messages.length).toBe(2);
      }),
      { numRuns: RUNS },
    );
  });

  it(`mutated body bytes never throw: every result is an RFC 7606 outcome or a NOTIFICATION (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(encoded, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ opts, bytes }, muts) => {
        checkOutcome(decodeMessage(mutate(bytes, muts, true), opts), opts);
      }),
      { numRuns: RUNS },
    );
  });

  it(`mutated whole messages (header included) never throw, through decodeMessage or the Framer (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(encoded, fc.array(mutation, { minLength: 1, maxLength: 4 }), ({ opts, bytes }, muts) => {
        const bad = mutate(bytes, muts, false);
        checkOutcome(decodeMessage(bad, opts), opts);
        const out = new Framer({ extendedMessage: opts.extendedMessage }).push(bad);
        for (const m of out.messages) checkOutcome(decodeMessage(m, opts), opts);
        if (out.error) expect(out.error.notification.code === 1 || out.error.notification.code === 7).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
