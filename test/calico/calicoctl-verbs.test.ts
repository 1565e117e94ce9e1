/**
 * calicoctl's resource verbs in a simulated lab's shell: apply/create/replace/delete -f with a
 * here-document, get of every kind as table, yaml and json, patch, label, ipam check and
 * release — Calico's words and exit codes, and the effect reaching the dataplane.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { topology, up } from './e2e/helpers.ts';

const PEER = `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: tor-a
spec:
  peerIP: 10.30.200.254
  asNumber: 64600
`;

describe('calicoctl write verbs in the simulator shell', async () => {
  const u = await up(await topology('topologies/two-nodes.yaml'), [['worker-01', 'web']]);
  const sh = (line: string) => u.lab.execAsync('master-01', line);

  it('create, replace, apply, get -o yaml|json|table, delete', async () => {
    expect(await sh(`calicoctl create -f - <<EOF\n${PEER}EOF`)).toEqual({ stdout: "Successfully created 1 'BGPPeer' resource(s)\n", stderr: '', code: 0 });
    expect(await sh(`calicoctl create -f - <<EOF\n${PEER}EOF`)).toEqual({ stdout: '', stderr: "Failed to create 'BGPPeer' resource: resource already exists: BGPPeer(tor-a)\n", code: 1 });
    expect((await sh(`calicoctl replace -f - <<EOF\n${PEER.replace('64600', '64601')}EOF`)).stdout).toBe("Successfully replaced 1 'BGPPeer' resource(s)\n");
    expect((await sh('calicoctl get bgppeers')).stdout).toBe('NAME    PEERIP          NODE       ASN     \ntor-a   10.30.200.254   (global)   64601   \n\n');
    const y = parse((await sh('calicoctl get bgppeer tor-a -o yaml')).stdout);
    expect(y).toMatchObject({ apiVersion: 'projectcalico.org/v3', kind: 'BGPPeer', metadata: { name: 'tor-a' }, spec: { asNumber: 64601 } });
    const j = JSON.parse((await sh('calicoctl get ippools -o json')).stdout);
    expect(j.kind).toBe('IPPoolList');
    expect(j.items[0].spec.cidr).toBe('10.5.0.0/16');
    expect((await sh('calicoctl get bgppeer nope')).stderr).toBe('Failed to get resources: resource does not exist: BGPPeer(nope) with error: <nil>\n');
    expect((await sh('calicoctl get widgets')).stderr).toBe("Failed to get resources: resource type 'widgets' is not supported\n");
    expect((await sh('calicoctl delete bgppeer tor-a')).stdout).toBe("Successfully deleted 1 'BGPPeer' resource(s)\n");
    expect(await sh('calicoctl delete bgppeer tor-a')).toEqual({ stdout: '', stderr: "Failed to delete 'BGPPeer' resource: resource does not exist: BGPPeer(tor-a) with error: <nil>\n", code: 1 });
    expect((await sh('calicoctl apply -f - <<EOF\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nEOF')).code).toBe(1);
  });

  it('a GlobalNetworkPolicy applied by calicoctl is enforced and listed; workloadendpoints are listed', async () => {
    const web = u.c.pods.get('default/web')!;
    u.lab.exec(web.podNode, 'true');
    const gnp = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: deny-web\nspec:\n  selector: app == "web"\n  types: [Ingress]\n';
    expect((await sh(`calicoctl apply -f - <<EOF\n${gnp}EOF`)).stdout).toBe("Successfully applied 1 'GlobalNetworkPolicy' resource(s)\n");
    expect((await sh('calicoctl get gnp -o wide')).stdout).toBe('NAME       ORDER   SELECTOR       \ndeny-web           app == "web"   \n\n');
    expect((await sh(`ping -c 1 -W 1 ${web.ip}`)).code).not.toBe(0);
    expect((await sh(`calicoctl delete -f - <<EOF\n${gnp}EOF`)).stdout).toBe("Successfully deleted 1 'GlobalNetworkPolicy' resource(s)\n");
    expect((await sh(`ping -c 1 -W 1 ${web.ip}`)).code).toBe(0);
    expect((await sh('calicoctl get wep')).stdout).toMatch(/^WORKLOAD +NODE +NETWORKS +INTERFACE +\nweb +worker-01 +10\.5\.\d+\.\d+\/32 +cali[0-9a-f]{11} +\n\n$/);
  });

  it('patch and label a Node; ipam check and release', async () => {
    expect((await sh(`calicoctl patch node worker-01 -p '{"spec":{"bgp":{"asNumber":"64513"}}}'`)).stdout).toBe("Successfully patched 1 'Node' resource\n");
    expect((await sh('calicoctl get nodes -o wide')).stdout).toMatch(/worker-01 +64513 /);
    expect((await sh('calicoctl label nodes worker-01 rack=r1')).stdout).toBe('Successfully set label rack on nodes worker-01\n');
    expect((await sh('calicoctl label nodes worker-01 rack=r2')).stderr).toBe("failed to update label of resource: key rack is already present. Please use '--overwrite' to set a new value.\n");
    expect((await sh('calicoctl label nodes worker-01 rack=r2 --overwrite')).stdout).toBe('Successfully overwrote label rack on nodes worker-01\n');
    expect((await sh('calicoctl label nodes worker-01 rack --remove')).stdout).toBe('Successfully removed label rack from nodes worker-01\n');
    const check = (await sh('calicoctl ipam check')).stdout;
    expect(check).toMatch(/^Checking IPAM for inconsistencies\.\.\.\n/);
    expect(check).toContain('Found 2 node tunnel IPs.\n');
    expect(check).toContain('Found 1 workload IPs.\n');
    expect(check).toMatch(/Check complete; found 0 problems\.\n$/);
    // Releasing the pod's address by hand leaves an in-use IP IPAM no longer knows: check says so.
    const ip = u.c.pods.get('default/web')!.ip;
    expect((await sh(`calicoctl ipam release --ip=${ip}`)).stdout).toBe(`Successfully released IP address ${ip}\n`);
    expect((await sh(`calicoctl ipam release --ip=${ip}`)).stderr).toBe(`IP address ${ip} is not assigned\n`);
    expect((await sh('calicoctl ipam check')).stdout).toMatch(/Check complete; found 1 problems\.\n$/);
  });
});
