import { describe, expect, it } from 'vitest';
import {
  computeBgpIntent, confdInputFromResources, exportDecision, kernelDecision, protocolName, renderBirdAggrCfg, renderBirdCfg, renderBirdIpamCfg,
} from '../../../engine/calico/confd/index.ts';
import type { BgpIntent, PeerIntent } from '../../../engine/calico/confd/index.ts';
import { buildResourceSet } from '../../../engine/calico/resources/index.ts';
import { manifests } from './manifests.ts';
import { asPerRack, crossSubnet, meshIpipAlways, routeReflectors } from './scenarios.ts';

/** The text of `protocol bgp <name> … }` in a rendered bird.cfg. */
const block = (cfg: string, name: string): string => {
  const start = cfg.indexOf(`protocol bgp ${name} from`);
  if (start < 0) throw new Error(`no protocol ${name}`);
  return cfg.slice(start, cfg.indexOf('\n}\n', start) + 2);
};

const peer = (i: BgpIntent, name: string): PeerIntent => {
  const p = i.peers.find((x) => x.name === name);
  if (!p) throw new Error(`${i.node} has no ${name}; has ${i.peers.map((x) => x.name).join(', ')}`);
  return p;
};

describe('node-to-node mesh', () => {
  const s = meshIpipAlways();
  const a = s.intents.get('node-a')!; // 10.0.0.9
  const b = s.intents.get('node-b')!; // 10.0.0.10

  it('peers every other node as Mesh_<ip with _>, skipping itself', () => {
    expect(a.peers.map((p) => p.name)).toEqual(['Mesh_10_0_0_10', 'Mesh_10_0_0_11']);
    expect(a.mesh.map((e) => e.type)).toEqual(['self', 'peer', 'peer']);
    expect(a).toMatchObject({ routerId: '10.0.0.9', localAS: 64512, network: '10.0.0.0/24' });
    expect(peer(a, 'Mesh_10_0_0_10')).toMatchObject({ ip: '10.0.0.10', asNumber: 64512, internal: true, sourceAddress: '10.0.0.9', peerNode: 'node-b' });
  });

  it('makes the side with the string-smaller address passive: "10.0.0.10" < "10.0.0.9"', () => {
    // Numerically .9 < .10, but Go's template `gt` compares strings, so 10.0.0.9 dials 10.0.0.10.
    expect(peer(a, 'Mesh_10_0_0_10').passive).toBe(false);
    expect(peer(b, 'Mesh_10_0_0_9').passive).toBe(true);
    expect(peer(b, 'Mesh_10_0_0_11').passive).toBe(true);
    // Exactly one side of every session is passive.
    for (const [n1, i1] of s.intents) for (const p of i1.peers) {
      const back = s.intents.get(p.peerNode!)!.peers.find((q) => q.ip === i1.address)!;
      expect(p.passive !== back.passive, `${n1}↔${p.peerNode}`).toBe(true);
    }
    expect(renderBirdCfg(b)).toContain([
      'protocol bgp Mesh_10_0_0_9 from bgp_template {',
      '  neighbor 10.0.0.9 as 64512;',
      '  source address 10.0.0.10;  # The local address we use for the TCP connection',
    ].join('\n'));
    expect(block(renderBirdCfg(b), 'Mesh_10_0_0_9')).toMatch(/  passive on; # Mesh is unidirectional, peer will connect to us\.\n}$/);
    expect(renderBirdCfg(a)).not.toContain('passive on');
  });

  it('aggregates affine blocks: /26 blackholes exported, pod /32s inside them not, borrowed /32 yes', () => {
    expect(a.blackholes).toEqual(['10.244.10.0/26', '10.244.10.64/26']);
    expect(exportDecision(a, '10.244.10.0/26')).toMatchObject({ accept: true, reason: 'block 10.244.10.0/26 of this node' });
    expect(exportDecision(a, '10.244.10.5/32')).toMatchObject({ accept: false });
    expect(exportDecision(a, '10.244.20.7/32')).toMatchObject({ accept: true, reason: 'inside pool 10.244.0.0/16' });
    expect(exportDecision(a, '192.168.1.0/24')).toMatchObject({ accept: false, reason: 'not in any IP pool' });
    // A pending block is blackholed but not aggregated (calico_aggr has no rule for it).
    const c = s.intents.get('node-c')!;
    expect(renderBirdAggrCfg(c)).toContain('   route 10.244.30.0/26 blackhole;\n');
    expect(renderBirdAggrCfg(c)).toContain('      # Block 10.244.30.0/26 is pending\n}');
    expect(renderBirdAggrCfg(a)).toContain([
      '      # Block 10.244.10.0/26 is confirmed',
      '      if ( net = 10.244.10.0/26 ) then { accept; }',
      '      if ( net ~ 10.244.10.0/26 ) then { reject; }',
      '      # Block 10.244.10.64/26 is implicitly confirmed.',
    ].join('\n'));
  });

  it('programs IPIP Always pool routes via tunl0', () => {
    expect(a.kernelRules).toEqual([{ cidr: '10.244.0.0/16', action: 'tunnel', tunnel: 'tunl0' }]);
    expect(kernelDecision(a, '10.244.20.0/26', '10.0.0.10')).toMatchObject({ install: true, tunnel: 'tunl0' });
    expect(kernelDecision(a, '172.16.0.0/16', '10.0.0.10')).toMatchObject({ install: true, tunnel: '' });
    expect(renderBirdIpamCfg(a)).toContain('  if ( net ~ 10.244.0.0/16 ) then {\n    krt_tunnel = "tunl0";\n    accept;\n  }');
  });

  it('drops the mesh when BGPConfiguration disables it', () => {
    const { set } = buildResourceSet(manifests(`
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: false }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: n1 }
spec: { bgp: { ipv4Address: 10.0.0.1/24 } }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: n2 }
spec: { bgp: { ipv4Address: 10.0.0.2/24 } }
`));
    const i = computeBgpIntent(confdInputFromResources(set), 'n1');
    expect(i.peers).toEqual([]);
    expect(renderBirdCfg(i)).toContain('# ------------- Node-to-node mesh -------------\n\n# Node-to-node mesh disabled\n');
  });
});

describe('protocol names', () => {
  it('converts IPv4 dots and IPv6 colons to _, adds _port_<n> for explicit ports (not for the mesh)', () => {
    expect(protocolName('Mesh', '10.192.0.3')).toBe('Mesh_10_192_0_3');
    expect(protocolName('Mesh', 'fd80:24e2:f998:72d7::2')).toBe('Mesh_fd80_24e2_f998_72d7__2');
    expect(protocolName('Global', '10.192.0.1', 150)).toBe('Global_10_192_0_1_port_150');
    expect(protocolName('Node', '172.19.4.87')).toBe('Node_172_19_4_87');
    expect(protocolName('Mesh', '10.0.0.1', 1790)).toBe('Mesh_10_0_0_1');
  });
});

describe('CrossSubnet, VXLAN and disableBGPExport pools', () => {
  const s = crossSubnet();
  const i = s.intents.get('r1-n1')!;

  it("drops the tunnel when bgp_next_hop is inside the node's own subnet", () => {
    expect(kernelDecision(i, '10.244.9.0/26', '10.1.1.12')).toMatchObject({ install: true, tunnel: '' });
    expect(kernelDecision(i, '10.244.2.0/26', '10.1.2.11')).toMatchObject({ install: true, tunnel: 'tunl0' });
    expect(renderBirdIpamCfg(i)).toContain([
      '  if ( net ~ 10.244.0.0/16 ) then {',
      '    if defined(bgp_next_hop) && ( bgp_next_hop ~ 10.1.1.0/24 ) then',
      '      krt_tunnel = "";',
      '    else',
      '      krt_tunnel = "tunl0";',
      '    accept;',
      '  }',
    ].join('\n'));
  });

  it("leaves VXLAN pools to Felix and keeps disableBGPExport pools' routes home", () => {
    expect(kernelDecision(i, '10.250.1.0/26', '10.1.2.11')).toMatchObject({ install: false });
    expect(renderBirdIpamCfg(i)).toContain("    # Don't program VXLAN routes into the kernel - these are handled by Felix.\n    reject;");
    // Even the node's own block in that pool stays home: reject_disabled_pools runs first.
    expect(exportDecision(i, '10.251.0.0/26')).toMatchObject({ accept: false, reason: 'pool 10.251.0.0/24 has disableBGPExport' });
    expect(renderBirdIpamCfg(i)).toContain('function reject_disabled_pools ()\n{\n\n  if ( net ~ 10.251.0.0/24 ) then { reject; }\n}');
    expect(renderBirdIpamCfg(i)).toContain('  # Skip 10.251.0.0/24 as BGP export is disabled for it');
  });
});

describe('route reflectors', () => {
  const s = routeReflectors();

  it('an RR leaves the mesh and is rr client toward clients, not toward the other RR of its cluster', () => {
    const rr1 = s.intents.get('rr-1')!;
    expect(rr1.mesh).toEqual([]);
    expect(renderBirdCfg(rr1)).toContain('# This node (rr-1) is configured as a route reflector with cluster ID 244.0.0.1;\n# ignore node-to-node mesh setting.');
    // Clients arrive by automatic reverse peering; the other RR by the forward one.
    expect(rr1.peers.map((p) => `${p.name}${p.rrClient ? ' rr' : ''}`)).toEqual([
      'Node_10_2_0_11 rr', 'Node_10_2_0_12 rr', 'Node_10_2_0_13 rr', 'Node_10_2_0_2',
    ]);
    expect(rr1.nodePeers.find((e) => e.type === 'self')).toMatchObject({ ip: '10.2.0.1', key: '/bgp/v1/host/rr-1/peer_v4/10.2.0.1' });
    expect(peer(rr1, 'Node_10_2_0_11')).toMatchObject({ rrClusterId: '244.0.0.1', origin: 'reverse of BGPPeer peer-with-route-reflectors', passive: false });
    expect(block(renderBirdCfg(rr1), 'Node_10_2_0_11')).toMatch(/  rr client;\n  rr cluster id 244\.0\.0\.1;\n}$/);
    expect(block(renderBirdCfg(rr1), 'Node_10_2_0_2')).not.toContain('rr client');
  });

  it('a client peers with both RRs by selector and reflects nothing itself', () => {
    const w = s.intents.get('worker-1')!;
    expect(w.peers.map((p) => p.name)).toEqual(['Node_10_2_0_1', 'Node_10_2_0_2']);
    expect(w.peers.every((p) => !p.rrClient && p.internal && p.origin === 'BGPPeer peer-with-route-reflectors')).toBe(true);
  });

  it('manual reverse peering leaves the RR without client sessions', () => {
    const { set } = buildResourceSet(manifests(`
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: false }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: kube-master, labels: { route-reflector: "true" } }
spec: { bgp: { ipv4Address: 10.192.0.2/16 } }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: kube-node-1 }
spec: { bgp: { ipv4Address: 10.192.0.3/16 } }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: peer-with-route-reflectors }
spec: { nodeSelector: all(), peerSelector: "route-reflector == 'true'", reversePeering: Manual }
`));
    const input = confdInputFromResources(set);
    expect(computeBgpIntent(input, 'kube-master').peers).toEqual([]);
    expect(computeBgpIntent(input, 'kube-node-1').peers.map((p) => p.name)).toEqual(['Node_10_192_0_2']);
  });
});

describe('AS per rack: BGPPeers with selectors, global peers, ports', () => {
  const s = asPerRack();

  it('peers each rack with its own ToR by nodeSelector, eBGP with next hop keep and allow local as', () => {
    const r1 = s.intents.get('r1-n1')!;
    const r2 = s.intents.get('r2-n1')!;
    expect(r1.localAS).toBe(65001);
    expect(r1.peers.map((p) => p.name)).toEqual(['Global_10_3_0_100_port_1179', 'Node_10_3_1_1']);
    expect(r2.peers.map((p) => p.name)).toEqual(['Global_10_3_0_100_port_1179', 'Node_10_3_2_1', 'Node_10_3_2_2']);
    expect(peer(r1, 'Node_10_3_1_1')).toMatchObject({ internal: false, nextHopKeep: true, allowLocalAs: 1, asNumber: 65101 });
    expect(peer(r2, 'Node_10_3_2_2')).toMatchObject({ ttlSecurity: 1 });
    expect(renderBirdCfg(r2)).toContain('  ttl security on;\n  multihop 1;\n  neighbor 10.3.2.2 as 65102;');
  });

  it('renders the global route server with its port, no source address, restart time', () => {
    const r1 = s.intents.get('r1-n1')!;
    const gp = peer(r1, 'Global_10_3_0_100_port_1179');
    expect(gp).toMatchObject({ port: 1179, gracefulRestartTime: 120, passive: false });
    expect(gp.sourceAddress).toBeUndefined();
    expect(renderBirdCfg(r1)).toContain('# For peer /bgp/v1/global/peer_v4/10.3.0.100-1179\nprotocol bgp Global_10_3_0_100_port_1179 from bgp_template {');
    expect(renderBirdCfg(r1)).toContain('  neighbor 10.3.0.100 port 1179 as 65000;\n  import filter {');
  });

  it('node-scoped BGPConfiguration sets listen port and debug logging for that node only', () => {
    expect(renderBirdCfg(s.intents.get('r1-n1')!)).toContain('router id 10.3.1.11;\n# Set node listen_port\nlisten bgp port 1790;\n');
    expect(renderBirdCfg(s.intents.get('r1-n1')!)).toContain('template bgp bgp_template {\n  debug all;\n');
    expect(renderBirdCfg(s.intents.get('r2-n1')!)).not.toContain('listen bgp');
  });

  it('advertises service CIDRs without installing them, adds communities, routes reachableBy peers', () => {
    const r1 = s.intents.get('r1-n1')!;
    const r2 = s.intents.get('r2-n1')!;
    expect(kernelDecision(r1, '10.96.0.0/12')).toMatchObject({ install: false });
    expect(exportDecision(r1, '10.96.0.0/12')).toMatchObject({ accept: true });
    expect(exportDecision(r1, '10.244.1.0/26').communities).toEqual(['65000:100', '65000:200:300']);
    // A /32 affine block aggregates but gets no blackhole.
    expect(r1.blackholes).toEqual(['10.244.1.0/26']);
    expect(renderBirdAggrCfg(r1)).toContain('      # Block 10.244.1.64/32 is implicitly confirmed.');
    expect(renderBirdAggrCfg(r2)).toContain('   # Static routes needed for node specific BGP peers.\n   route 10.3.2.1/32 via 10.3.2.254;');
    expect(renderBirdIpamCfg(r1)).toContain("  # Don't program static routes into kernel.\n  if ( net ~ 10.96.0.0/12 ) then { reject; }\n  if ( net ~ 192.0.2.0/24 ) then { reject; }");
  });
});

describe('global peers that are Calico nodes', () => {
  it('get the string-compare passive rule; a node-specific duplicate of a global peering is dropped', () => {
    const { set } = buildResourceSet(manifests(`
apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata: { name: default }
spec: { nodeToNodeMeshEnabled: false }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: a }
spec: { bgp: { ipv4Address: 10.0.0.9/24 } }
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: { name: b }
spec: { bgp: { ipv4Address: 10.0.0.10/24 } }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: to-b }
spec: { peerIP: 10.0.0.10, asNumber: 64512 }
---
apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata: { name: to-b-from-a }
spec: { node: a, peerIP: 10.0.0.10, asNumber: 64512 }
`));
    const input = confdInputFromResources(set);
    const a = computeBgpIntent(input, 'a');
    const b = computeBgpIntent(input, 'b');
    expect(a.peers.map((p) => `${p.name} passive=${p.passive}`)).toEqual(['Global_10_0_0_10 passive=false']);
    // On b the global peer is itself; the automatic reverse peering brings a as Node_.
    expect(b.globalPeers).toEqual([{ type: 'self', key: '/bgp/v1/global/peer_v4/10.0.0.10', ip: '10.0.0.10' }]);
    expect(b.peers.map((p) => p.name)).toEqual(['Node_10_0_0_9']);
  });
});
