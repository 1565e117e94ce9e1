import { describe, expect, it } from 'vitest';
import { chainLines, lengthLimitedId, renderRule, ruleHashes, MARK } from '../../engine/dataplane/index.ts';
import type { IptRule } from '../../engine/dataplane/index.ts';
import { appendLines, insertLines } from '../../engine/dataplane/index.ts';

const jump = (chain: string): IptRule => ({ match: [], action: { a: 'jump', chain } });

describe('Felix rule rendering and cali: hashes', () => {
  it('the jumps Felix inserts into built-in chains carry the hashes every real node shows', () => {
    // Values as printed by iptables-save on real Calico nodes (calico.md §5; many GitHub issues).
    expect(ruleHashes('INPUT', [jump('cali-INPUT')])).toEqual(['Cz_u1IQiXIMmKD4c']);
    expect(ruleHashes('FORWARD', [jump('cali-FORWARD')])).toEqual(['wUHhoiAYhphO9Mso']);
    expect(ruleHashes('OUTPUT', [jump('cali-OUTPUT')])).toEqual(['tVnHkvAo15HuiPy0']);
    expect(ruleHashes('PREROUTING', [jump('cali-PREROUTING')])).toEqual(['6gwbT8clXdHdC1b1']);
    // Older Felix inserted the nat POSTROUTING jump; v3.x appends it (hashed on "POSTROUTING*appends*").
    expect(ruleHashes('POSTROUTING', [jump('cali-POSTROUTING')])).toEqual(['O3lYWMrLQYEMJtB5']);
    expect(appendLines('FORWARD', [
      { match: [{ m: 'mark', value: MARK.accept, mask: MARK.accept }], action: { a: 'ACCEPT' }, comment: ['Policy explicitly accepted packet.'] },
      { match: [], action: { a: 'mark', value: MARK.accept, mask: MARK.accept } },
    ])).toEqual([
      '-A FORWARD -m comment --comment "cali:S93hcgKJrXEqnTfs" -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 --jump ACCEPT',
      '-A FORWARD -m comment --comment "cali:mp77cMpurHhyjLrM" --jump MARK --set-mark 0x10000/0x10000',
    ]);
  });

  it('a rule hash chains the previous one: the same rule hashes differently at another position or in another chain', () => {
    const r: IptRule = { match: [], action: { a: 'DROP' } };
    const [a1, a2] = ruleHashes('cali-x', [r, r]);
    expect(a1).not.toBe(a2);
    expect(ruleHashes('cali-y', [r])[0]).not.toBe(a1);
    expect(a1).toMatch(/^[\w-]{16}$/);
  });

  it('renders matches and actions the way Felix writes them to iptables-restore', () => {
    const r: IptRule = {
      match: [
        { m: 'proto', proto: 'tcp' }, { m: 'set', name: 'cali40s:abc', dir: 'src' }, { m: 'ports', dir: 'dst', ports: ['80', '8000:8080'] },
        { m: 'net', dir: 'dst', cidr: '10.0.0.0/8', neg: true }, { m: 'mark', value: 0, mask: MARK.pass }, { m: 'icmp', type: 8, code: 0 },
      ],
      action: { a: 'LOG', prefix: 'calico-packet' },
      comment: ['Policy default/knp.default.x ingress', 'weird "quote"'],
    };
    expect(renderRule('cali-pi-x', r, undefined)).toBe(
      '-A cali-pi-x -m comment --comment "Policy default/knp.default.x ingress" -m comment --comment "weird _quote_" -p tcp -m set --match-set cali40s:abc src -m multiport --destination-ports 80,8000:8080 ! --destination 10.0.0.0/8 -m mark --mark 0/0x20000 -m icmp --icmp-type 8/0 --jump LOG --log-prefix "calico-packet: " --log-level 5',
    );
  });

  it('inserted rules keep their order at the top (-I N)', () => {
    expect(insertLines('INPUT', [jump('a'), jump('b')]).map((l) => l.split(' -m')[0])).toEqual(['-I INPUT 1', '-I INPUT 2']);
    expect(chainLines('cali-x', [jump('a')])[0]).toMatch(/^-A cali-x -m comment --comment "cali:[\w-]{16}" --jump a$/);
  });

  it('lengthLimitedId keeps short names and hashes long ones to exactly 28 characters', () => {
    expect(lengthLimitedId('cali-pi-', 'default/allow')).toBe('cali-pi-default/allow');
    const long = lengthLimitedId('cali-pi-', 'default/default/knp.default.allow-web');
    expect(long).toHaveLength(28);
    expect(long.startsWith('cali-pi-_')).toBe(true);
    expect(lengthLimitedId('cali-pi-', 'default/default/knp.default.allow-web')).toBe(long);
    // Exactly at the limit but starting with the shortening marker: hashed too, to avoid a clash.
    const twenty = '_'.padEnd(20, 'x');
    expect(lengthLimitedId('cali-pi-', twenty)).not.toBe(`cali-pi-${twenty}`);
    expect(lengthLimitedId('cali-pi-', 'y'.padEnd(20, 'x'))).toBe(`cali-pi-${'y'.padEnd(20, 'x')}`);
  });
});
