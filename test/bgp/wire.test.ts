import { describe, expect, it } from 'vitest';
import { fromWireUpdate, mergeAs4Path, toWireAttributes, toWireUpdates } from '../../engine/bgp/wire-map.ts';
import type { UpdateMessage } from '../../engine/bgp/codec/types.ts';

describe('UPDATE mapping', () => {
  it('recognises End-of-RIB for IPv4 and IPv6', () => {
    expect(fromWireUpdate({ type: 'update', withdrawn: [], attributes: [], nlri: [] }, true).endOfRib).toBe('ipv4');
    expect(fromWireUpdate({ type: 'update', withdrawn: [], attributes: [{ kind: 'mp-unreach', family: 'ipv6-unicast', withdrawn: [] }], nlri: [] }, true).endOfRib).toBe('ipv6');
  });

  it('merges AS4_PATH on a 2-octet session (RFC 6793 §4.2.3) and ignores it on a 4-octet one', () => {
    const msg: UpdateMessage = {
      type: 'update', withdrawn: [], nlri: [{ addr: 0xc0000200, len: 24 }],
      attributes: [
        { kind: 'origin', origin: 'igp' },
        { kind: 'as-path', segments: [{ type: 'sequence', asns: [64512, 23456] }] },
        { kind: 'next-hop', nextHop: 0x0a000001 },
        { kind: 'as4-path', segments: [{ type: 'sequence', asns: [4200000001] }] },
      ],
    };
    expect(fromWireUpdate(msg, false).announced[0]!.attrs.asPath).toEqual([{ type: 2, asns: [64512] }, { type: 2, asns: [4200000001] }]);
    expect(fromWireUpdate(msg, true).announced[0]!.attrs.asPath).toEqual([{ type: 2, asns: [64512, 23456] }]);
    expect(mergeAs4Path([{ type: 2, asns: [1] }], [{ type: 2, asns: [2, 3] }])).toEqual([{ type: 2, asns: [1] }]);
  });

  it('sends AS_TRANS plus AS4_PATH to a 2-octet peer', () => {
    const w = toWireAttributes({ origin: 0, asPath: [{ type: 2, asns: [4200000001] }], nextHop: '10.0.0.2' }, false, 'ipv4');
    expect(w.find((a) => a.kind === 'as-path')).toMatchObject({ segments: [{ asns: [23456] }] });
    expect(w.find((a) => a.kind === 'as4-path')).toMatchObject({ segments: [{ asns: [4200000001] }] });
    expect(toWireAttributes({ origin: 0, asPath: [{ type: 2, asns: [4200000001] }], nextHop: '10.0.0.2' }, true, 'ipv4').some((a) => a.kind === 'as4-path')).toBe(false);
  });

  it('a prefix both withdrawn and announced counts as announced', () => {
    const u = fromWireUpdate({
      type: 'update', withdrawn: [{ addr: 0xc0000200, len: 24 }, { addr: 0xc0000300, len: 24 }], nlri: [{ addr: 0xc0000200, len: 24 }],
      attributes: [{ kind: 'origin', origin: 'igp' }, { kind: 'as-path', segments: [] }, { kind: 'next-hop', nextHop: 1 }],
    }, true);
    expect(u.withdrawn).toEqual(['192.0.3.0/24']);
    expect(u.announced[0]!.prefixes).toEqual(['192.0.2.0/24']);
  });

  it('splits a large batch into UPDATEs under 4096 bytes', () => {
    const nlri = Array.from({ length: 5000 }, (_, n) => `10.${n >> 8}.${n & 255}.0/24`);
    const msgs = toWireUpdates({ afi: 'ipv4', withdrawn: [], attrs: { origin: 0, asPath: [], nextHop: '10.0.0.1' }, nlri }, true, () => 30);
    expect(msgs.reduce((n, m) => n + m.nlri.length, 0)).toBe(5000);
    for (const m of msgs) expect(23 + 30 + m.nlri.length * 4).toBeLessThanOrEqual(4096);
    expect(msgs.length).toBe(Math.ceil(5000 / Math.floor((4096 - 23 - 30) / 4)));
  });
});

describe('UPDATE mapping, MP families', () => {
  it('accepts IPv4 unicast carried in MP_REACH_NLRI', () => {
    const u = fromWireUpdate({
      type: 'update', withdrawn: [], nlri: [],
      attributes: [{ kind: 'origin', origin: 'igp' }, { kind: 'as-path', segments: [] }, { kind: 'mp-reach', family: 'ipv4-unicast', nextHop: 0x0a000001, nlri: [{ addr: 0xc0000200, len: 24 }] }],
    }, true);
    expect(u.announced).toEqual([{ attrs: { origin: 0, asPath: [], nextHop: '10.0.0.1' }, prefixes: ['192.0.2.0/24'] }]);
  });
});
