/**
 * RFC 7606 verdicts on the malformed UPDATE bodies from GoBGP's Test_MalformedUpdateMsg
 * (osrg/gobgp pkg/packet/bgp/bgp_test.go; bytes and GoBGP's verdicts restated here as data).
 * Where we differ, the test says why.
 */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../engine/bgp/codec/index.ts';
import { msg } from './wire-helpers.ts';

const OPTS = { as4: false }; // GoBGP decodes these without options: 2-octet ASNs

const vectors: { name: string; body: number[]; gobgp: string; ours: string; note?: string }[] = [
  {
    name: 'AS_PATH length overruns the attribute list',
    body: [0, 0, 0, 0x16, 0x40, 1, 1, 0, 0x40, 3, 4, 0xc0, 0xa8, 1, 0x64, 0x40, 2, 0x17, 2, 3, 0xfd, 0xe8, 0xfd, 0xe8, 0xfd, 0xe8, 0x08, 0x0a],
    gobgp: 'treat-as-withdraw',
    ours: 'treat-as-withdraw',
  },
  {
    name: 'AGGREGATOR of 5 bytes',
    body: [0, 0, 0, 0x16, 0xc0, 7, 5, 0, 0, 0, 0x64, 0, 0x40, 1, 1, 0, 0x40, 3, 4, 0xc0, 0xa8, 1, 0x64, 0x40, 2, 0],
    gobgp: 'attribute-discard',
    ours: 'attribute-discard',
  },
  {
    name: 'MP_REACH_NLRI with a 15-byte IPv6 next hop',
    body: [0, 0, 0, 0x27, 0x80, 0x0e, 0x1d, 0, 2, 1, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x0a, 0, 0, 0, 0, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0x40, 1, 1, 0, 0x40, 2, 0],
    gobgp: 'afi-safi-disable',
    ours: 'session-reset',
    note: 'RFC 7606 §7.11 allows AFI/SAFI disable or session reset; we reset (we never keep a family half-alive).',
  },
  {
    name: 'ORIGIN flagged optional transitive, no NLRI',
    body: [0, 0, 0, 0x0e, 0xc0, 1, 1, 0, 0x40, 3, 4, 0xc0, 0xa8, 1, 0x64, 0x40, 2, 0],
    gobgp: 'treat-as-withdraw',
    ours: 'session-reset',
    note: 'RFC 7606 §5.2, as BIRD does: treat-as-withdraw with no NLRI to withdraw resets instead.',
  },
  {
    name: 'bad AGGREGATOR and bad MULTI_EXIT_DISC, with NLRI',
    body: [0, 0, 0, 0x1e, 0xc0, 7, 5, 0, 0, 0, 0x64, 0, 0x80, 4, 5, 0, 0, 0, 0, 0x64, 0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 0xc0, 0xa8, 1, 0x64, 0x20, 0xc8, 0xc8, 0xc8, 0xc8],
    gobgp: 'treat-as-withdraw',
    ours: 'treat-as-withdraw',
  },
];

describe('GoBGP malformed-UPDATE vectors', () => {
  for (const v of vectors) {
    it(`${v.name}: GoBGP says ${v.gobgp}, we say ${v.ours}${v.note ? ` (${v.note})` : ''}`, () => {
      const o = decodeMessage(msg(2, v.body), OPTS);
      expect(o.kind).toBe(v.ours);
      if (v.gobgp !== 'afi-safi-disable' && !v.note) expect(o.kind).toBe(v.gobgp);
    });
  }
});
