/**
 * The pure layout: tiers top to bottom, racks as boxes around their members, no overlaps,
 * determinism, wrapping of wide fabrics, dragged positions — on the shipped topologies, a
 * generated 1,042-node fabric and random ones (fast-check).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadTopology } from '../../engine/model/load.ts';
import { parseTopology } from '../../engine/model/validate.ts';
import type { Topology } from '../../engine/model/types.ts';
import { viewModel, roleOf, type ViewModel } from '../../web/src/domain/view-model.ts';
import { layoutTiered } from '../../web/src/layout/tiered.ts';
import { linkGeometry, pointOnLink } from '../../web/src/layout/links.ts';
import { segmentAreas, segmentLabel } from '../../web/src/layout/segments.ts';
import { DEFAULT_LAYOUT as O, type Layout } from '../../web/src/layout/types.ts';
import { uiFabric } from '../../bench/ui/generate.ts';

async function topo(name: string): Promise<Topology> {
  const r = await loadTopology(`topologies/${name}.yaml`);
  if (!r.topology) throw new Error(JSON.stringify(r.problems));
  return r.topology;
}

/** Every pair of node boxes is disjoint. */
function overlaps(l: Layout): string[] {
  const items = [...l.positions].sort((a, b) => a[1].y - b[1].y || a[1].x - b[1].x);
  const bad: string[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length && items[j]![1].y - items[i]![1].y < O.nodeH; j++) {
      if (Math.abs(items[j]![1].x - items[i]![1].x) < O.nodeW) bad.push(`${items[i]![0]} / ${items[j]![0]}`);
    }
  }
  return bad;
}

function inside(l: Layout, vm: ViewModel): string[] {
  const bad: string[] = [];
  for (const n of vm.nodes) {
    if (!n.rack) continue;
    const g = l.groups.find((x) => x.id === `rack:${n.rack}`)!;
    const p = l.positions.get(n.id)!;
    if (p.x - O.nodeW / 2 < g.x || p.x + O.nodeW / 2 > g.x + g.w || p.y - O.nodeH / 2 < g.y || p.y + O.nodeH / 2 > g.y + g.h) bad.push(n.id);
  }
  return bad;
}

describe('view model', () => {
  it('gives leaf-spine nodes their roles', async () => {
    const vm = viewModel(await topo('leaf-spine'));
    const role = (id: string) => vm.nodes.find((n) => n.id === id)!.role;
    expect([role('spine1'), role('leaf1'), role('rack1-sw'), role('node-1a')]).toEqual(['spine', 'tor', 'switch', 'node']);
    expect(vm.nodes.find((n) => n.id === 'node-1a')!.group).toBe('rack:rack1');
  });

  it('lets a role label win, and tells a spine by its wiring when the name says nothing', () => {
    expect(roleOf({ name: 'r1', kind: 'router', labels: { 'podlab.io/role': 'spine' } }, ['switch'])).toBe('spine');
    expect(roleOf({ name: 'r1', kind: 'router', labels: {} }, ['router', 'router'])).toBe('spine');
    expect(roleOf({ name: 'r1', kind: 'router', labels: {} }, ['router', 'switch'])).toBe('tor');
    expect(roleOf({ name: 'h', kind: 'host', labels: {} }, [])).toBe('node');
  });

  it('carries link interface names and VLAN segments', async () => {
    const vm = viewModel(await topo('floors'));
    const l = vm.links.find((x) => x.a === 'floor1-tor' || x.b === 'floor1-tor')!;
    expect(l.id).toBe(`${l.a}:${l.aIf}--${l.b}:${l.bIf}`);
    expect(vm.links.some((x) => x.vlan === 10)).toBe(true);
  });
});

describe('tiered layout', () => {
  it.each(['two-nodes', 'leaf-spine', 'floors'])('%s: tiers top to bottom, no overlaps, racks around their members', async (name) => {
    const vm = viewModel(await topo(name));
    const l = layoutTiered(vm);
    expect(l.positions.size).toBe(vm.nodes.length);
    for (const a of vm.links) {
      const [na, nb] = [vm.nodes.find((n) => n.id === a.a)!, vm.nodes.find((n) => n.id === a.b)!];
      if (na.tier < nb.tier) expect(l.positions.get(na.id)!.y).toBeLessThan(l.positions.get(nb.id)!.y);
    }
    expect(overlaps(l)).toEqual([]);
    expect(inside(l, vm)).toEqual([]);
  });

  it('is deterministic', async () => {
    const vm = viewModel(await topo('leaf-spine'));
    expect([...layoutTiered(vm).positions]).toEqual([...layoutTiered(viewModel(await topo('leaf-spine'))).positions]);
  });

  it('puts each leaf-spine rack in its own column under the spines', async () => {
    const vm = viewModel(await topo('leaf-spine'));
    const l = layoutTiered(vm);
    const racks = l.groups.filter((g) => g.kind === 'rack').sort((a, b) => a.x - b.x);
    expect(racks.map((g) => g.label)).toEqual(['rack1', 'rack2', 'rack3']);
    for (let i = 1; i < racks.length; i++) expect(racks[i]!.x).toBeGreaterThan(racks[i - 1]!.x + racks[i - 1]!.w);
    const spineY = l.positions.get('spine1')!.y;
    expect(Math.max(...racks.map((g) => -g.y))).toBeLessThan(-spineY);
  });

  it('wraps a 1,042-node fabric into lines of racks with floors around them, without overlaps', () => {
    const vm = viewModel(uiFabric(1000));
    const l = layoutTiered(vm);
    expect(l.positions.size).toBe(1042);
    expect(overlaps(l)).toEqual([]);
    expect(inside(l, vm)).toEqual([]);
    expect(l.width / l.height).toBeLessThan(4); // wrapped, not one 50,000-px row
    expect(l.groups.filter((g) => g.kind === 'floor').length).toBeGreaterThanOrEqual(2);
    for (const p of l.positions.values()) expect(p.y).toBeGreaterThanOrEqual(l.positions.get('spine1')!.y);
  });

  it('uses dragged positions and moves rack boxes with them', async () => {
    const vm = viewModel(await topo('leaf-spine'));
    const moved = layoutTiered(vm, O, new Map([['node-1a', { x: -500, y: 900 }]]));
    expect(moved.positions.get('node-1a')).toEqual({ x: -500, y: 900 });
    const rack = moved.groups.find((g) => g.id === 'rack:rack1')!;
    expect(rack.x).toBeLessThan(-500 - O.nodeW / 2);
    expect(rack.y + rack.h).toBeGreaterThan(900 + O.nodeH / 2);
  });

  it('never overlaps nodes of random fabrics (property)', () => {
    const arb = fc.record({ n: fc.integer({ min: 1, max: 600 }), kind: fc.constantFrom('leaf-spine' as const, 'rr' as const) });
    fc.assert(fc.property(arb, (s) => {
      const vm = viewModel(uiFabric(s.n, s.kind));
      const l = layoutTiered(vm);
      return l.positions.size === vm.nodes.length && overlaps(l).length === 0 && inside(l, vm).length === 0
        && [...l.positions.values()].every((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    }), { numRuns: 25 });
  });

  it('lays out ungrouped hosts next to racks without overlap', () => {
    const r = parseTopology([
      'name: mixed', 'nodes:', '  r1: { kind: router, rack: a, interfaces: { eth0: { address: 10.0.0.1/24 } } }',
      '  h1: { kind: host, interfaces: { eth0: { address: 10.0.0.2/24 } } }', '  h2: { kind: host, rack: a, interfaces: { eth0: { address: 10.0.0.3/24 } } }',
      '  sw: { kind: switch }', 'links:', '  - endpoints: ["r1:eth0", "sw:eth1"]', '  - endpoints: ["h1:eth0", "sw:eth2"]', '  - endpoints: ["h2:eth0", "sw:eth3"]', '',
    ].join('\n'), 'mixed.yaml');
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const l = layoutTiered(viewModel(r.topology!));
    expect(overlaps(l)).toEqual([]);
  });
});

describe('link geometry', () => {
  it('starts and ends at the node centres and labels near each end', () => {
    const a = { x: 0, y: 0 };
    const b = { x: 100, y: 200 };
    const g = linkGeometry(a, b);
    expect(g.d.startsWith('M0,0C')).toBe(true);
    expect(g.d.endsWith('100,200')).toBe(true);
    expect(pointOnLink(a, b, 0)).toEqual(a);
    expect(pointOnLink(a, b, 1)).toEqual(b);
    expect(g.aLabel.y).toBeLessThan(g.mid.y);
    expect(g.bLabel.y).toBeGreaterThan(g.mid.y);
    expect(linkGeometry(a, { x: 100, y: 0 }).d).toBe('M0,0L100,0');
  });

  it('bows a tier-skipping link around the nodes between, on the same side both ways', () => {
    const top = { x: 300, y: 0 };
    const bottom = { x: 300, y: 3 * 154 };
    const shape = { tierPitch: 154, bow: 128 };
    const mid = pointOnLink(top, bottom, 0.5, shape);
    expect(mid.x - 300).toBeGreaterThanOrEqual(0.75 * 128 - 1e-9); // clears a 128-px node centred on the line
    expect(pointOnLink(bottom, top, 0.5, shape)).toEqual(mid);
    const adjacent = pointOnLink(top, { x: 300, y: 154 }, 0.5, shape);
    expect(adjacent.x).toBe(300);
  });
});

describe('VLAN segment areas', () => {
  it('floors: one area per floor VLAN and the transit, labelled from vlans:, around their members', async () => {
    const t = await topo('floors');
    const vm = viewModel(t);
    const l = layoutTiered(vm);
    const areas = segmentAreas(vm, l, O);
    expect(areas.map((a) => a.label).sort()).toEqual(
      ['VLAN 10 · floor1 · 10.30.1.0/24', 'VLAN 100 · transit · 10.30.0.0/24', 'VLAN 20 · floor2 · 10.30.2.0/24', 'VLAN 30 · floor3 · 10.30.3.0/24']);
    const byVlan = (v: number) => areas.find((a) => a.vlan === v)!;
    expect(byVlan(10).nodes).toEqual(['floor1-sw', 'floor1-sw2', 'floor1-tor', 'master-01', 'printer-1', 'worker-01']);
    expect(byVlan(100).nodes).toEqual(['core', 'floor1-tor', 'floor2-tor', 'floor3-tor']);
    for (const a of areas) {
      // Members come from the model's segments, not from the layout: check them against it.
      const seg = t.segments[a.segment]!;
      for (const m of seg.members) expect(a.nodes).toContain(m.split(':')[0]);
      for (const n of a.nodes) {
        const p = l.positions.get(n)!;
        expect(p.x - O.nodeW / 2).toBeGreaterThan(a.x);
        expect(p.x + O.nodeW / 2).toBeLessThan(a.x + a.w);
        expect(p.y - O.nodeH / 2).toBeGreaterThan(a.y);
        expect(p.y + O.nodeH / 2).toBeLessThan(a.y + a.h);
      }
    }
    // Floor 2's area holds none of floor 1's machines.
    const f2 = byVlan(20);
    const m = l.positions.get('master-01')!;
    expect(m.x > f2.x && m.x < f2.x + f2.w && m.y > f2.y && m.y < f2.y + f2.h).toBe(false);
  });

  it('follows dragged nodes and labels VLAN-less segments by number', async () => {
    const vm = viewModel(await topo('floors'));
    const l = layoutTiered(vm, O, new Map([['worker-03', { x: 5000, y: 5000 }]]));
    const a = segmentAreas(vm, l, O).find((x) => x.vlan === 30)!;
    expect(a.x + a.w).toBeGreaterThan(5000 + O.nodeW / 2);
    expect(segmentLabel({ id: 4, members: [] })).toBe('segment 4');
    // two-nodes: the switched VLAN 1 gets an area, the gw–outside cable does not.
    const t2 = await topo('two-nodes');
    const v2 = viewModel(t2);
    expect(t2.segments.length).toBe(2);
    expect(segmentAreas(v2, layoutTiered(v2), O).map((x) => `${x.label}: ${x.nodes.join(',')}`)).toEqual(['VLAN 1: gw,master-01,sw1,worker-01']);
  });
});
