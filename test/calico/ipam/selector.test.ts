/** IPAM wired to the real selector module, as the engine will wire it (IPAM itself takes a compiler). */
import { describe, expect, it } from 'vitest';
import { MemoryDatastore, resourceKey } from '../../../engine/calico/datastore/index.ts';
import { IpamClient, assignPodAddress, putPool, type CompileSelector } from '../../../engine/calico/ipam/index.ts';
import { matchSelector, parseSelector } from '../../../engine/calico/selector/index.ts';

const compileSelector: CompileSelector = (expr) => {
  const ast = parseSelector(expr);
  return (labels) => matchSelector(ast, labels);
};

describe('pool nodeSelector with Calico selectors', () => {
  it('nodes get addresses from the pool of their rack, labels read from the Node resource', async () => {
    const ds = new MemoryDatastore();
    await putPool(ds, { name: 'rack1', spec: { cidr: '10.1.0.0/24', nodeSelector: "rack == 'r1'" } });
    await putPool(ds, { name: 'rack2', spec: { cidr: '10.2.0.0/24', nodeSelector: "rack in {'r2', 'r3'}" } });
    for (const [node, rack] of [['n1', 'r1'], ['n2', 'r2']]) {
      await ds.put(resourceKey('Node', node!), { apiVersion: 'projectcalico.org/v3', kind: 'Node', metadata: { name: node!, labels: { rack: rack! } }, spec: {} });
    }
    const ipam = new IpamClient(ds, { compileSelector });
    const now = new Date(0);
    expect(await assignPodAddress(ipam, { containerId: 'a', namespace: 'ns', pod: 'a', node: 'n1', now })).toMatch(/^10\.1\.0\./);
    expect(await assignPodAddress(ipam, { containerId: 'b', namespace: 'ns', pod: 'b', node: 'n2', now })).toMatch(/^10\.2\.0\./);
    await expect(assignPodAddress(ipam, { containerId: 'c', namespace: 'ns', pod: 'c', node: 'n9', now }))
      .rejects.toThrow('no configured Calico pools for node n9');
  });
});
