/** The switch inspector's reading of `bridge fdb show` / `bridge vlan show`, on what the simulator's switch prints. */
import { describe, expect, it } from 'vitest';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { parseBridgeVlans, parseFdb } from '../../web/src/domain/bridge-parse.ts';

describe('bridge fdb / vlan parsing', () => {
  it("finds the MACs sw1 learned on its ports after a ping, and each port's VLAN", async () => {
    const lab = SimLab.deploy((await loadTopology('topologies/two-nodes.yaml')).topology!);
    lab.exec('master-01', 'ping -c 1 10.30.200.2');
    const mac = (node: string): string => /link\/ether (\S+)/.exec(lab.exec(node, 'ip link show eth0').stdout)![1]!;
    const fdb = parseFdb(lab.exec('sw1', 'bridge fdb show').stdout);
    const learned = fdb.filter((r) => r.state === 'learned');
    expect(learned).toEqual(expect.arrayContaining([
      expect.objectContaining({ mac: mac('master-01'), dev: 'eth1', vlan: 1, master: 'br0' }),
      expect.objectContaining({ mac: mac('worker-01'), dev: 'eth2', vlan: 1, master: 'br0' }),
    ]));
    expect(fdb.some((r) => r.state === 'permanent')).toBe(true);
    const vlans = parseBridgeVlans(lab.exec('sw1', 'bridge vlan show').stdout);
    expect(vlans.map((p) => p.port)).toEqual(['eth1', 'eth2', 'eth3', 'br0']);
    expect(vlans[0]!.vlans).toEqual([{ id: 1, pvid: true, untagged: true }]);
  });

  it('reads trunk ports with several VLANs and ranges', () => {
    const text = 'port              vlan-id  \neth1              10 PVID Egress Untagged\n                  20\n                  30-32\neth2              20 PVID Egress Untagged\n';
    expect(parseBridgeVlans(text)).toEqual([
      { port: 'eth1', vlans: [{ id: 10, pvid: true, untagged: true }, { id: 20, pvid: false, untagged: false }, { id: 30, pvid: false, untagged: false }, { id: 31, pvid: false, untagged: false }, { id: 32, pvid: false, untagged: false }] },
      { port: 'eth2', vlans: [{ id: 20, pvid: true, untagged: true }] },
    ]);
  });
});
