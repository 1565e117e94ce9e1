/** splitUpdate: many prefixes into UPDATEs that each fit the session and together mean the same. */
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  routeChanges,
  splitUpdate,
  type CodecOptions,
  type Nlri4,
  type Nlri6,
  type UpdateMessage,
} from '../../../engine/bgp/codec/index.ts';

const v4 = (n: number, base: number): Nlri4[] => Array.from({ length: n }, (_, i) => ({ addr: (base + (i << 8)) >>> 0, len: 24 }));
const v6 = (n: number): Nlri6[] => Array.from({ length: n }, (_, i) => ({ addr: `2001:db8:${(i >> 8).toString(16)}:${(i & 0xff).toString(16)}00::`, len: 56 }));

const big: UpdateMessage = {
  type: 'update',
  withdrawn: v4(3000, 0x0b000000),
  attributes: [
    { kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn: v6(1500).map((p) => ({ ...p, len: 64 })) },
    { kind: 'mp-reach', family: 'ipv6-unicast', nextHop: 'fd00::1', linkLocal: 'fe80::1', nlri: v6(2500) },
    { kind: 'origin', origin: 'igp' },
    { kind: 'as-path', segments: [{ type: 'sequence', asns: [64512, 4200000001] }] },
    { kind: 'next-hop', nextHop: 0x0a000001 },
    { kind: 'communities', communities: [0xfc000064] },
  ],
  nlri: v4(20000, 0x0a000000),
};

function union(ms: UpdateMessage[], opts: CodecOptions): { a4: number; w4: number; a6: number; w6: number } {
  const t = { a4: 0, w4: 0, a6: 0, w6: 0 };
  for (const m of ms) {
    const bytes = encodeMessage(m, opts);
    expect(bytes.length).toBeLessThanOrEqual(opts.extendedMessage ? 65535 : 4096);
    const o = decodeMessage(bytes, opts);
    expect(o.kind).toBe('ok');
    const rc = routeChanges(o.kind === 'ok' && o.message.type === 'update' ? o.message : m);
    t.a4 += rc.announce4.length;
    t.w4 += rc.withdraw4.length;
    t.a6 += rc.announce6.length;
    t.w6 += rc.withdraw6.length;
    if (rc.announce4.length) expect(rc.attributes.map((a) => a.kind)).toEqual(['origin', 'as-path', 'next-hop', 'communities']);
    if (rc.announce6.length) expect(rc.nextHop6).toBe('fd00::1');
  }
  return t;
}

describe('splitUpdate', () => {
  it('splits 23,000 announcements and 4,500 withdrawals into 4096-byte UPDATEs that carry them all', () => {
    const opts: CodecOptions = { as4: true };
    expect(() => encodeMessage(big, opts)).toThrow(RangeError);
    const parts = splitUpdate(big, opts);
    expect(union(parts, opts)).toEqual({ a4: 20000, w4: 3000, a6: 2500, w6: 1500 });
    // Withdrawals come before announcements.
    const firstAnnounce = parts.findIndex((p) => p.nlri.length > 0 || p.attributes.some((a) => a.kind === 'mp-reach'));
    expect(parts.slice(firstAnnounce).every((p) => p.withdrawn.length === 0)).toBe(true);
    // Packed tightly: 20,000 /24s at 4 bytes each need about 20 messages, not hundreds.
    expect(parts.filter((p) => p.nlri.length > 0).length).toBeLessThanOrEqual(21);
  });

  it('uses 65535-byte messages with Extended Message, and ADD-PATH ids count towards the size', () => {
    const ext = splitUpdate(big, { as4: true, extendedMessage: true });
    expect(ext.length).toBeLessThan(8);
    expect(union(ext, { as4: true, extendedMessage: true })).toEqual({ a4: 20000, w4: 3000, a6: 2500, w6: 1500 });
    const ap: CodecOptions = { as4: true, addPath: { ipv4: true, ipv6: true } };
    const withIds = { ...big, nlri: big.nlri.map((p, i) => ({ ...p, pathId: i })) };
    expect(union(splitUpdate(withIds, ap), ap).a4).toBe(20000);
  });

  it('handles a logical UPDATE whose MP_REACH alone exceeds 65535 bytes', () => {
    const huge: UpdateMessage = { type: 'update', withdrawn: [], nlri: [], attributes: [big.attributes[1]!, ...big.attributes.slice(2, 4)] };
    const many = { ...huge, attributes: [{ kind: 'mp-reach' as const, family: 'ipv6-unicast' as const, nextHop: 'fd00::1', nlri: [...v6(9000), ...v6(9000).map((p) => ({ ...p, len: 64 }))] }, ...huge.attributes.slice(1)] };
    expect(union(splitUpdate(many, { as4: true }), { as4: true }).a6).toBe(18000);
  });

  it('returns a message that already fits unchanged', () => {
    const small: UpdateMessage = { ...big, withdrawn: [], attributes: big.attributes.slice(2), nlri: v4(10, 0x0a000000) };
    expect(splitUpdate(small, { as4: true })).toEqual([small]);
  });
});
