/**
 * `podlab up` on a topology with a `calico:` section brings Calico up: the node shell answers
 * calicoctl and birdcl, the topology's v1 Pods run (route-reflectors.yaml ships two), and
 * they reach each other. Driven through the real CLI with piped input.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function podlabUp(file: string, input: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile('node', ['bin/podlab.js', 'up', '--no-ui', file], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
    });
    child.stdin!.end(input);
  });
}

describe('podlab up with Calico', () => {
  it('route-reflectors.yaml: reflectors Established, manifest pods running and reachable', async () => {
    const r = await podlabUp('topologies/route-reflectors.yaml', [
      'node-01 calicoctl node status',
      'node-02 ip route',
      'node-01 calicoctl ipam show --show-blocks',
      '',
    ].join('\n'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Calico is up on 6 nodes \(0 BGP routers, 2 pods\), converged in [\d.]+ ms of virtual time/);
    expect(r.stdout).toMatch(/\| 10\.30\.10\.101 \| node specific \| up +\| \d\d:\d\d:\d\d \| Established \|/);
    expect(r.stdout).toMatch(/\| 10\.30\.10\.102 \| node specific \| up +\| \d\d:\d\d:\d\d \| Established \|/);
    expect(r.stdout).toMatch(/blackhole 10\.5\.\d+\.\d+\/26 proto bird/);
    // 6 tunnel addresses + 2 pods.
    expect(r.stdout).toMatch(/\| IP Pool +\| 10\.5\.0\.0\/16 +\| +65536 \| 8 \(0%\) +\|/);
  });

  it('pods of the manifests ping each other across nodes', async () => {
    // web-2's address is not known in advance: read it from its own `ip addr`, then ping it.
    const first = await podlabUp('topologies/route-reflectors.yaml', 'web-2.default.node-03 ip -4 -o addr show eth0\n');
    const ip = /inet (10\.5\.\d+\.\d+)\/32/.exec(first.stdout)?.[1];
    expect(ip).toBeDefined();
    const r = await podlabUp('topologies/route-reflectors.yaml', `web-1.default.node-02 ping -c 2 ${ip}\n`);
    expect(r.stdout).toContain('2 packets transmitted, 2 received');
  });
});
