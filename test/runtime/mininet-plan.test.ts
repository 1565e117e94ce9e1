/**
 * The pure parts of the Mininet runtime: how a topology is realised (names, VLAN bridges,
 * trunk veths, carrier and shaping points), the streaming pcap reader, and what kernel
 * features a lab needs. No root needed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import type { SwitchPort, Topology } from '../../engine/model/types.ts';
import { PcapWriter, readPcap } from '../../engine/net/pcap.ts';
import { missingMessage, topologyNeeds } from '../../engine/runtime/linux/capabilities.ts';
import { podNetnsName, validIfName, validLabName } from '../../engine/runtime/labs.ts';
import { isRootEnd, linkAt, planMininet, trunkPairs } from '../../engine/runtime/mininet/plan.ts';
import { PcapStream } from '../../engine/runtime/mininet/pcap-stream.ts';

const repo = join(import.meta.dirname, '..', '..');
const loc = { file: 't', line: 1, col: 1 };

async function topology(name: string): Promise<Topology> {
  const r = await loadTopology(join(repo, 'topologies', `${name}.yaml`));
  if (!r.topology) throw new Error(name);
  return r.topology;
}

const access = (vlan: number): SwitchPort => ({ name: 'p', mode: 'access', vlan, loc });
const trunk = (vlans: number[], native?: number): SwitchPort => ({ name: 'p', mode: 'trunk', vlans, native, loc });

describe('trunkPairs: which VLANs a cable between two switch ports joins', () => {
  it('a trunk to a trunk carries every common VLAN, each to itself', () => {
    expect(trunkPairs(trunk([10, 20, 30]), trunk([20, 10]))).toEqual([[10, 10], [20, 20]]);
  });
  it('untagged frames land in the other side\'s untagged VLAN, even a different one', () => {
    expect(trunkPairs(access(10), access(20))).toEqual([[10, 20]]);
    expect(trunkPairs(trunk([10], 1), trunk([10], 2))).toEqual([[1, 2], [10, 10]]);
  });
  it('an access port facing a trunk without native VLAN passes nothing', () => {
    expect(trunkPairs(access(10), trunk([10, 20]))).toEqual([]);
    expect(trunkPairs(access(10), trunk([20], 10))).toEqual([[10, 10]]);
  });
});

describe('planMininet', () => {
  it('two-nodes: one bridge for the flat switch, a wire bridge for the host-to-host cable', async () => {
    const plan = planMininet(await topology('two-nodes'), 'plabc');
    expect(plan.hosts).toEqual(['master-01', 'worker-01', 'gw', 'outside']);
    expect(plan.bridges.map((b) => b.name)).toEqual(['plabcb0v1', 'plabcw3']);
    expect(plan.notes).toEqual([]);
    const sw = linkAt(plan, 'master-01', 'eth0');
    expect(sw.carrier).toEqual(['plabcp0']);
    expect(sw.shaping).toEqual([{ host: 'master-01', ifname: 'eth0' }, { bridge: 'plabcb0v1', ifname: 'plabcp0' }]);
    const wire = linkAt(plan, 'outside', 'eth0');
    expect(wire.carrier).toEqual(['plabcp3a', 'plabcp3b']);
    expect(wire.shaping.every((e) => !isRootEnd(e))).toBe(true);
    expect(plan.rootLinks).toEqual(['plabcp0', 'plabcp1', 'plabcp2', 'plabcp3a', 'plabcp3b']);
  });

  it('floors: a bridge per (switch, VLAN), a named veth per trunk VLAN, a note saying tags are not on the wire', async () => {
    const plan = planMininet(await topology('floors'), 'plxyz');
    expect(plan.bridges.filter((b) => b.switch === 'floor1-sw').map((b) => `${b.name}=${b.vlan}`)).toEqual(['plxyzb0v10=10']);
    const t = linkAt(plan, 'floor1-sw2', 'eth9');
    expect(t.veths.map((v) => [v.a.ifname, v.b.ifname, v.alias])).toEqual([['plxyzt3v10a', 'plxyzt3v10b', 'floor1-sw:eth9 vlan 10 <-> floor1-sw2:eth9 vlan 10']]);
    expect(plan.notes[0]).toMatch(/no bridge vlan_filtering.*802\.1Q tags never appear on the wire/);
    for (const n of [...plan.rootLinks, ...plan.bridges.map((b) => b.name)]) expect(validIfName(n)).toBe(true);
    expect(() => linkAt(plan, 'master-01', 'eth7')).toThrow(/no link at master-01:eth7 \(cabled: master-01:eth0\)/);
  });
});

describe('planMininet with vlan_filtering (kernels that have it)', () => {
  it('one filtering bridge per switch, ports carry their VLANs, a trunk is one tagged veth', async () => {
    const plan = planMininet(await topology('floors'), 'plxyz', { vlanFiltering: true });
    expect(plan.bridges.filter((b) => b.vlanFiltering).map((b) => `${b.name}=${b.switch}`)).toEqual(['plxyzb0=floor1-sw', 'plxyzb1=floor1-sw2', 'plxyzb2=floor2-sw', 'plxyzb3=floor3-sw', 'plxyzb4=core']);
    const t = linkAt(plan, 'floor1-sw', 'eth9');
    expect(t.veths).toHaveLength(1);
    expect(t.veths[0]!.a).toEqual({ bridge: 'plxyzb0', ifname: 'plxyzt3a', vlans: { pvid: undefined, tagged: [10] } });
    expect(linkAt(plan, 'master-01', 'eth0').veths[0]!.b).toEqual({ bridge: 'plxyzb0', ifname: 'plxyzp1', vlans: { pvid: 10, tagged: [] } });
    expect(plan.notes[0]).toMatch(/vlan_filtering .* trunks carry 802\.1Q tags on the wire/);
  });
});

describe('PcapStream', () => {
  it('yields the same records as readPcap, whatever the chunking', () => {
    const w = new PcapWriter();
    for (let i = 0; i < 5; i++) w.add(1_700_000_000_000 + i * 1.5, new Uint8Array(60 + i).fill(i));
    const bytes = w.bytes();
    const whole = readPcap(bytes).records;
    for (const size of [1, 7, 16, 100, bytes.length]) {
      const s = new PcapStream();
      const got = [];
      for (let off = 0; off < bytes.length; off += size) got.push(...s.push(bytes.subarray(off, off + size)));
      expect(got).toEqual(whole);
      expect(s.linktype).toBe(1);
    }
  });
  it('refuses a stream that is not pcap', () => {
    expect(() => new PcapStream().push(new Uint8Array(24).fill(7))).toThrow(/not a pcap file/);
  });
});

describe('topologyNeeds and names', () => {
  it('two-nodes needs ipip (IPIP Always); floors also trunks and latency unless VLANs are bridges', async () => {
    expect(topologyNeeds(await topology('two-nodes')).features).toEqual(['ipip']);
    const floors = await topology('floors');
    const needs = topologyNeeds(floors);
    expect(needs.features).toEqual(['ipip', '8021q', 'netem']);
    expect(needs.why.ipip).toBe('IPPool default-ipv4-ippool has ipipMode CrossSubnet');
    expect(topologyNeeds(floors, floors.calico, { perVlanBridges: true }).features).toEqual(['ipip', 'netem']);
    expect(missingMessage('ipip')).toMatch(/modprobe ipip/);
    expect(missingMessage('8021q')).toMatch(/modprobe 8021q/);
  });
  it('validates lab, interface and netns names', () => {
    expect(validLabName('two-nodes')).toBe(true);
    expect(validLabName('../etc')).toBe(false);
    expect(validIfName('plabcb0v4094')).toBe(true);
    expect(validIfName('sixteen-chars-xx')).toBe(false);
    expect(validIfName('a b')).toBe(false);
    expect(podNetnsName('plabc', 'pod-1')).toBe('plab-plabc-pod-1');
    expect(() => podNetnsName('plabc', 'x/y')).toThrow(/invalid netns suffix/);
  });
});
