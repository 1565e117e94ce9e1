/**
 * The compiled filters (CIDRs parsed once per intent, prefixes parsed without a regex) must
 * decide exactly what the filters' text decides, reasons and communities included, on random
 * intents and prefixes — nested pools, blocks, static and load-balancer ranges, communities,
 * CrossSubnet rules — and on malformed prefixes (which take the text path and fail alike).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exportDecision, exportDecisionText, kernelDecision, kernelDecisionText } from '../../../engine/calico/confd/filters.ts';
import type { BgpIntent, KernelRule } from '../../../engine/calico/confd/types.ts';

const octet = fc.integer({ min: 0, max: 255 });
/** Prefixes near a few bases so that they nest and collide. */
const prefix = fc.tuple(fc.constantFrom(10, 172, 192), fc.constantFrom(0, 16, 244), octet, octet, fc.constantFrom(8, 12, 16, 24, 26, 32))
  .map(([a, b, c, d, len]) => {
    const v = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    const m = (0xffffffff << (32 - len)) >>> 0;
    const n = (v & m) >>> 0;
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${len}`;
  });
const address = fc.tuple(fc.constantFrom(10, 172), fc.constantFrom(0, 16, 244), octet, octet).map((o) => o.join('.'));

const rule: fc.Arbitrary<KernelRule> = fc.oneof(
  prefix.map((cidr) => ({ cidr, action: 'reject-static' as const })),
  prefix.map((cidr) => ({ cidr, action: 'reject-vxlan' as const })),
  fc.tuple(prefix, fc.constantFrom('' as const, 'tunl0' as const)).map(([cidr, tunnel]) => ({ cidr, action: 'tunnel' as const, tunnel })),
  fc.tuple(prefix, prefix, fc.constantFrom('' as const, 'tunl0' as const)).map(([cidr, network, tunnel]) => ({ cidr, action: 'cross-subnet' as const, network, tunnel })),
);

const intent: fc.Arbitrary<BgpIntent> = fc.record({
  pools: fc.array(fc.record({ cidr: prefix, disableBGPExport: fc.boolean() }), { maxLength: 3 }),
  blocks: fc.array(fc.record({ cidr: prefix, state: fc.constantFrom(undefined, 'confirmed' as const, 'pending' as const) }), { maxLength: 3 }),
  staticRoutes: fc.array(prefix, { maxLength: 2 }),
  rrLoadBalancerIPs: fc.array(prefix, { maxLength: 2 }),
  communities: fc.array(fc.record({ cidr: fc.oneof(prefix, fc.constant('fd00::/64')), communities: fc.array(fc.constantFrom('65000:1', '65000:2:3'), { maxLength: 2 }) }), { maxLength: 2 }),
  kernelRules: fc.array(rule, { maxLength: 3 }),
}).map((x) => ({ ...x, blocks: x.blocks.map((b) => (b.state === undefined ? { cidr: b.cidr } : b)) }) as unknown as BgpIntent);

function outcome<T>(f: () => T): T | string {
  try { return f(); } catch (e) { return `throws ${(e as Error).message}`; }
}

describe('calico filters, compiled', () => {
  it('decide as the filter text does on random intents, prefixes and next hops', () => {
    fc.assert(fc.property(intent, fc.array(fc.oneof(prefix, address, fc.constantFrom('10.0.0.0/33', '010.0.0.0/8', '10.0.0/8', '10.0.0.0/', '10.0.0.0/08', '1.2.3.4.5/32', 'x')), { minLength: 1, maxLength: 8 }), fc.option(address), (i, prefixes, nh) => {
      for (const p of prefixes) {
        expect(outcome(() => exportDecision(i, p))).toEqual(outcome(() => exportDecisionText(i, p)));
        expect(outcome(() => kernelDecision(i, p, nh ?? undefined))).toEqual(outcome(() => kernelDecisionText(i, p, nh ?? undefined)));
      }
    }), { numRuns: 400, seed: 11 });
  });
});
