import { describe, expect, it } from 'vitest';
import { formatPrefix4, parsePrefix4 } from '../net/ip.ts';
import { formatProblem } from './problems.ts';
import { ifaceOf, nodeByName } from './topology.ts';
import type { Topology } from './types.ts';
import { parseTopology } from './validate.ts';

/** Validates inline YAML; lines joined with \n so positions are easy to read off the array. */
function check(lines: string[]) {
  const r = parseTopology(lines.join('\n') + '\n', 't.yaml');
  return { ...r, text: r.problems.map(formatProblem) };
}
function ok(lines: string[]): Topology {
  const r = check(lines);
  expect(r.text.filter((l) => l.includes(': error: '))).toEqual([]);
  expect(r.topology).toBeDefined();
  return r.topology!;
}
const errors = (lines: string[]) => check(lines).text.filter((l) => l.includes(': error: '));
/** `t.yaml:L:C` of the first `needle` on 1-based line `line`: an oracle independent of the parser. */
function at(lines: string[], line: number, needle: string): string {
  const col = lines[line - 1]!.indexOf(needle);
  if (col < 0) throw new Error(`'${needle}' not on line ${line}`);
  return `t.yaml:${line}:${col + 1}`;
}

describe('positions', () => {
  it('remembers where every element was written', () => {
    const t = ok([
      'name: pos', //                                   1
      'nodes:', //                                      2
      '  a:', //                                        3
      '    kind: host', //                              4
      '    interfaces:', //                             5
      '      eth0: { address: 10.0.0.1/24 }', //        6
      '  b: { kind: host }', //                         7
      'links:', //                                      8
      '  - endpoints: ["a:eth0", "b:eth0"]', //         9
      'calico:', //                                    10
      '  - apiVersion: projectcalico.org/v3', //       11
      '    kind: IPPool', //                           12
      '    metadata: { name: p }', //                  13
    ]);
    expect(nodeByName(t, 'a')!.loc).toEqual({ file: 't.yaml', line: 3, col: 3 });
    expect(ifaceOf(t, 'a', 'eth0')!.loc).toMatchObject({ line: 6, col: 7 });
    // b:eth0 is implied by the link, so it is located at the endpoint that created it.
    expect(ifaceOf(t, 'b', 'eth0')!.loc).toMatchObject({ line: 9, col: 27 });
    expect(t.links[0]!.loc).toMatchObject({ line: 9, col: 5 });
    expect(t.calico[0]).toMatchObject({ kind: 'IPPool', name: 'p', loc: { line: 11, col: 5 } });
    expect(t.calico[0]!.manifest).toEqual({ apiVersion: 'projectcalico.org/v3', kind: 'IPPool', metadata: { name: 'p' } });
  });

  it('collects every problem of a file in file order', () => {
    const src = [
      'name: many',
      'nodes:',
      '  a: { kind: hub }',
      '  b:',
      '    kind: host',
      '    interfaces: { eth0: { address: 10.0.0.256/24 } }',
      'links:',
      '  - endpoints: ["b:eth0", "c:eth0"]',
    ];
    expect(errors(src).map((l) => l.split(': error: ')[0])).toEqual([at(src, 3, 'hub'), at(src, 6, '10.0.0.256'), at(src, 8, '"c:eth0"')]);
  });

  it('reports duplicate keys in any map at the second occurrence', () => {
    expect(errors(['name: d', 'nodes:', '  a:', '    kind: host', '    kind: router'])).toEqual([
      "t.yaml:5:5: error: duplicate key 'kind' (first defined at line 4:5) — rename or remove one of them",
    ]);
  });
});

describe('warnings', () => {
  it('unknown fields warn with a suggestion but still yield a topology', () => {
    const r = check(['name: w', 'nodes:', '  a:', '    kind: host', '    gatway: 10.0.0.1']);
    expect(r.topology).toBeDefined();
    expect(r.text).toEqual([
      "t.yaml:5:5: warning: unknown field 'gatway' in node 'a' (ignored) — did you mean 'gateway'?",
    ]);
  });

  it('a host on a trunk port without native VLAN warns that its frames are dropped', () => {
    const r = check([
      'name: w',
      'vlans: { v10: { id: 10 } }',
      'nodes:',
      '  sw: { kind: switch, ports: { eth1: { mode: trunk, vlans: [10] } } }',
      '  h: { kind: host }',
      'links:',
      '  - endpoints: ["h:eth0", "sw:eth1"]',
    ]);
    expect(r.topology).toBeDefined();
    expect(r.text).toHaveLength(1);
    expect(r.text[0]).toMatch(/^t\.yaml:7:5: warning: h:eth0 is cabled to trunk port sw:eth1, which has no native VLAN/);
  });

  it('different MTUs at the two ends of a link warn', () => {
    const r = check([
      'name: w',
      'nodes:',
      '  a: { kind: host, interfaces: { eth0: { mtu: 9000 } } }',
      '  b: { kind: host }',
      'links:',
      '  - { endpoints: ["a:eth0", "b:eth0"] }',
    ]);
    expect(r.topology).toBeDefined();
    expect(r.text).toEqual([
      't.yaml:6:5: warning: MTU differs across the link: a:eth0 has 9000, b:eth0 has 1500 — frames above the smaller MTU are dropped; give both ends the same mtu (or set it on the link)',
    ]);
  });

  it('a peer nobody owns warns', () => {
    const r = check([
      'name: w',
      'nodes:',
      '  r: { kind: router, asn: 65000, interfaces: { eth0: { address: 10.0.0.1/24 } }, peers: [{ address: 10.0.0.9, asn: 65001 }] }',
      '  h: { kind: host, interfaces: { eth0: { address: 10.0.0.2/24 } } }',
      'links:',
      '  - endpoints: ["r:eth0", "h:eth0"]',
    ]);
    expect(r.topology).toBeDefined();
    expect(r.text).toEqual([expect.stringContaining('warning: BGP peer 10.0.0.9')]);
  });
});

describe('addressing rules', () => {
  it('accepts /31 and /32 host parts that would be network/broadcast on longer masks', () => {
    const t = ok([
      'name: p2p',
      'nodes:',
      '  a: { kind: router, interfaces: { eth0: { address: 10.0.0.0/31 }, lo1: { address: 10.255.0.1/32 } } }',
      '  b: { kind: router, interfaces: { eth0: { address: 10.0.0.1/31 } } }',
      'links:',
      '  - endpoints: ["a:eth0", "b:eth0"]',
    ]);
    expect(formatPrefix4(ifaceOf(t, 'a', 'eth0')!.address!)).toBe('10.0.0.0/31');
  });

  it('same subnet on one segment is fine, on two segments is an overlap', () => {
    const base = [
      'name: s',
      'nodes:',
      '  sw: { kind: switch }',
      '  a: { kind: host, interfaces: { eth0: { address: 10.1.0.1/24 } } }',
      '  b: { kind: host, interfaces: { eth0: { address: 10.1.0.2/24 } } }',
      'links:',
      '  - endpoints: ["a:eth0", "sw:eth1"]',
    ];
    ok([...base, '  - endpoints: ["b:eth0", "sw:eth2"]']);
    // Without its cable b:eth0 is a segment of its own, so the shared /24 is ambiguous.
    expect(errors(base)).toEqual([
      `${at(base, 5, '10.1.0.2')}: error: subnet 10.1.0.0/24 of b:eth0 overlaps 10.1.0.0/24 of a:eth0 (line 4:${base[3]!.indexOf('10.1.0.1') + 1}), which is on a different L2 segment — routers cannot tell the two apart: give each segment its own subnet, or connect them to the same switch/VLAN`,
    ]);
  });

  it('checks the prefix length against the VLAN subnet', () => {
    const src = [
      'name: v',
      'vlans: { f1: { id: 10, subnet: 10.30.1.0/24 } }',
      'nodes:',
      '  sw: { kind: switch }',
      '  a: { kind: host, interfaces: { eth0: { address: 10.30.1.7/16 } } }',
      'links:',
      '  - { endpoints: ["a:eth0", "sw:eth1"], vlan: f1 }',
    ];
    const e = errors(src);
    expect(e).toHaveLength(1);
    expect(e[0]).toContain(`${at(src, 5, '10.30.1.7')}: error: address 10.30.1.7/16 of a:eth0 has prefix length /16`);
  });

  it('rejects a bare address without prefix length, and a gateway that is the node itself', () => {
    const bare = ['name: x', 'nodes:', '  a: { kind: host, interfaces: { eth0: { address: 10.0.0.1 } } }'];
    expect(errors(bare)[0]).toContain(`${at(bare, 3, '10.0.0.1')}: error: address '10.0.0.1' of a:eth0 has no prefix length`);
    const self = ['name: x', 'nodes:', '  a: { kind: host, gateway: 10.0.0.1, interfaces: { eth0: { address: 10.0.0.1/24 } } }'];
    expect(errors(self)[0]).toContain(`${at(self, 3, '10.0.0.1')}: error: gateway 10.0.0.1 of 'a' is its own address`);
  });
});

describe('L2 segments', () => {
  const fabric = (portLines: string[], extraLinks: string[] = []) => [
    'name: l2',
    'vlans: { red: { id: 10 }, blue: { id: 20 } }',
    'nodes:',
    ...portLines,
    '  a: { kind: host, interfaces: { eth0: { address: 10.10.0.1/24 } } }',
    '  b: { kind: host, interfaces: { eth0: { address: 10.10.0.2/24 } } }',
    '  c: { kind: host, interfaces: { eth0: { address: 10.20.0.3/24 } } }',
    'links:',
    '  - endpoints: ["a:eth0", "s1:eth1"]',
    '  - endpoints: ["c:eth0", "s1:eth2"]',
    '  - endpoints: ["b:eth0", "s2:eth1"]',
    '  - endpoints: ["s1:eth9", "s2:eth9"]',
    ...extraLinks,
  ];

  it('joins VLAN 10 across a trunk and keeps VLAN 20 apart', () => {
    const t = ok(
      fabric([
        '  s1: { kind: switch, ports: { eth1: { mode: access, vlan: red }, eth2: { mode: access, vlan: blue }, eth9: { mode: trunk, vlans: [red, blue] } } }',
        '  s2: { kind: switch, ports: { eth1: { mode: access, vlan: 10 }, eth9: { mode: trunk, vlans: [10, 20] } } }',
      ]),
    );
    const seg = (n: string) => ifaceOf(t, n, 'eth0')!.segment;
    expect(seg('a')).toBe(seg('b'));
    expect(seg('c')).not.toBe(seg('a'));
    const ab = t.segments[seg('a')!]!;
    expect(ab.members).toEqual(['a:eth0', 'b:eth0']);
    expect(ab.switches).toEqual([{ node: 's1', vlan: 10 }, { node: 's2', vlan: 10 }]);
  });

  it('a trunk that does not carry VLAN 10 splits a from b (and the shared subnet becomes an overlap)', () => {
    const e = errors(
      fabric([
        '  s1: { kind: switch, ports: { eth1: { mode: access, vlan: red }, eth2: { mode: access, vlan: blue }, eth9: { mode: trunk, vlans: [blue] } } }',
        '  s2: { kind: switch, ports: { eth1: { mode: access, vlan: 10 }, eth9: { mode: trunk, vlans: [20] } } }',
      ]),
    );
    expect(e).toHaveLength(1);
    expect(e[0]).toContain('subnet 10.10.0.0/24 of b:eth0 overlaps 10.10.0.0/24 of a:eth0');
  });

  it('untagged ports join whatever VLAN ids they have, like a real cable', () => {
    const t = ok(
      fabric([
        '  s1: { kind: switch, ports: { eth1: { mode: access, vlan: red }, eth2: { mode: access, vlan: blue }, eth9: { mode: access, vlan: red } } }',
        '  s2: { kind: switch, ports: { eth1: { mode: access, vlan: blue }, eth9: { mode: access, vlan: blue } } }',
      ]),
    );
    expect(ifaceOf(t, 'a', 'eth0')!.segment).toBe(ifaceOf(t, 'b', 'eth0')!.segment);
  });

  it("an undeclared switch port takes the link's vlan", () => {
    const t = ok([
      'name: l2',
      'vlans: { red: { id: 10, subnet: 10.10.0.0/24 } }',
      'nodes:',
      '  sw: { kind: switch }',
      '  a: { kind: host, interfaces: { eth0: { address: 10.10.0.1/24 } } }',
      'links:',
      '  - { endpoints: ["a:eth0", "sw:eth3"], vlan: red }',
    ]);
    expect(nodeByName(t, 'sw')!.ports).toEqual([{ name: 'eth3', mode: 'access', vlan: 10, loc: expect.objectContaining({ line: 7 }) }]);
    expect(t.segments[0]!.vlan).toBe(10);
  });
});

describe('normalisation', () => {
  it('fills defaults: MTU from the link, router id from the first address, gateway as a default route', () => {
    const t = ok([
      'name: n',
      'nodes:',
      '  r: { kind: router, interfaces: { eth1: { address: 10.0.0.1/24 }, eth2: { address: 10.0.1.1/24, mtu: 9000 } } }',
      '  h: { kind: host, gateway: 10.0.0.1, interfaces: { eth0: { address: 10.0.0.2/24 } } }',
      'links:',
      '  - { endpoints: ["r:eth1", "h:eth0"], mtu: 1400, latency: 500us, loss: 0.5% }',
    ]);
    const r = nodeByName(t, 'r')!;
    expect(r.routerId).toBe(parsePrefix4('10.0.0.1').addr);
    expect(r.interfaces.map((i) => [i.name, i.mtu])).toEqual([['eth1', 1400], ['eth2', 9000]]);
    const h = nodeByName(t, 'h')!;
    expect(h.routes.map((x) => formatPrefix4(x.to))).toEqual(['0.0.0.0/0']);
    expect(t.links[0]).toMatchObject({ mtu: 1400, latencyMs: 0.5, lossPercent: 0.5 });
  });

  it('is plain JSON: a round trip through JSON.stringify keeps it equal', () => {
    const t = ok(['name: j', 'nodes:', '  a: { kind: host, labels: { role: web } }']);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('an empty file and a file without nodes are errors at 1:1', () => {
    expect(errors([''])[0]).toMatch(/^t\.yaml:1:1: error: the file is empty/);
    expect(errors(['name: x'])[0]).toMatch(/^t\.yaml:1:1: error: the topology has no nodes/);
  });
});
