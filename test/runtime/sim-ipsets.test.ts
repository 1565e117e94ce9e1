/**
 * The sim driver's IP sets: a members list applied again is skipped without reading the set,
 * a new list adds and removes only the difference (what a user added by hand goes too), and
 * members at 128.0.0.0 and above (kept as signed numbers) list and match as they should.
 */
import { describe, expect, it } from 'vitest';
import { SimDataplane } from '../../engine/runtime/sim/dataplane-driver.ts';
import { emptyDataplane } from '../../engine/dataplane/types.ts';
import type { DesiredDataplane } from '../../engine/dataplane/types.ts';
import { Kernel } from '../../engine/sim/kernel.ts';
import { Netfilter, ipset } from '../../engine/sim/netfilter/index.ts';

const withSet = (members: readonly string[]): DesiredDataplane => ({ ...emptyDataplane('n1'), ipsets: [{ name: 'cali40all-hosts-net', type: 'hash:net', members }] });

describe('sim driver IP sets', () => {
  it('applies only the difference, skips a list it applied already, and lists high addresses right', () => {
    const nf = new Netfilter();
    const d = new SimDataplane(new Kernel({ node: 'n1' }), nf);
    const first = ['10.30.1.11/32', '172.16.0.0/26', '192.168.1.0/24'];
    expect(d.apply(withSet(first)).map((c) => c.text)).toEqual(['ipset added cali40all-hosts-net hash:net (3 members)']);
    expect(d.apply(withSet(first))).toEqual([]);
    expect(nf.ipsets.get('cali40all-hosts-net')!.has(0xac10002a)).toBe(true); // 172.16.0.42 in 172.16.0.0/26
    expect(nf.ipsets.get('cali40all-hosts-net')!.has(0xac100040)).toBe(false); // 172.16.0.64 is not
    // Someone adds an entry by hand; the next list drops one member and adds one.
    expect(ipset(nf, ['add', 'cali40all-hosts-net', '10.9.9.9']).code).toBe(0);
    const next = ['10.30.1.11/32', '172.16.0.0/26', '200.1.2.0/24'];
    expect(d.apply(withSet(next)).map((c) => c.text).sort()).toEqual([
      'ipset changed cali40all-hosts-net +200.1.2.0/24',
      'ipset changed cali40all-hosts-net -10.9.9.9/32',
      'ipset changed cali40all-hosts-net -192.168.1.0/24',
    ]);
    expect(nf.ipsets.get('cali40all-hosts-net')!.members()).toEqual(['10.30.1.11/32', '172.16.0.0/26', '200.1.2.0/24']);
  });
});
