import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdDatastore } from '../../../engine/calico/datastore/index.ts';
import { haveCommands } from '../../support/system.ts';
import { runConformance } from './conformance.ts';
import { startEtcd, type EtcdServer } from './etcd-server.ts';

const ok = haveCommands('etcd');

describe.skipIf(!ok)('etcd backend (real etcd on loopback)', () => {
  let server: EtcdServer | undefined;
  let n = 0;
  beforeAll(async () => {
    server = await startEtcd('ds');
  });
  afterAll(async () => {
    await server?.stop();
  });

  // Every store gets its own root, so tests cannot see each other's keys on the shared server.
  runConformance('etcd', async () => new EtcdDatastore({ endpoints: [server!.clientUrl], root: `/conf-${n++}` }));

  it('lists page by page: every key once, in order, at the revision of the listing', async () => {
    const s = new EtcdDatastore({ endpoints: [server!.clientUrl], root: `/paged-${n++}`, listPage: 7 });
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `/calico/resources/v3/projectcalico.org/nodes/n${String(i).padStart(3, '0')}`);
      for (const k of keys) await s.put(k, { k });
      await s.put('/calico/resources/v3/projectcalico.org/nodesx', 'outside the prefix');
      const res = await s.list('/calico/resources/v3/projectcalico.org/nodes/');
      expect(res.kvs.map((x) => x.key)).toEqual(keys);
      expect(res.kvs[49]!.value).toEqual({ k: keys[49] });
      expect(res.revision).toBe(await s.revision());
      await s.put('/calico/resources/v3/projectcalico.org/nodes/n999', { k: 'late' });
      expect((await s.list('/calico/resources/v3/projectcalico.org/nodes/')).kvs).toHaveLength(51);
      expect((await s.list('/calico/resources/v3/projectcalico.org/nodes/n04')).kvs.map((x) => x.key)).toEqual(keys.slice(40));
    } finally {
      await s.close();
    }
  });

  it('stores values as JSON text under Calico keys, readable by any etcd client', async () => {
    const s = new EtcdDatastore({ endpoints: [server!.clientUrl] });
    const raw = new EtcdDatastore({ endpoints: [server!.clientUrl], root: '' });
    try {
      await s.put('/calico/ipam/v2/config', { strict_affinity: false, auto_allocate_blocks: true });
      const { Etcd3 } = await import('etcd3');
      const c = new Etcd3({ hosts: server!.clientUrl });
      expect(await c.get('/calico/ipam/v2/config').string()).toBe('{"strict_affinity":false,"auto_allocate_blocks":true}');
      c.close();
      expect((await raw.get('/calico/ipam/v2/config'))!.value).toEqual({ strict_affinity: false, auto_allocate_blocks: true });
      // Without a root, revision() must still work (etcd rejects an empty key).
      const kv = await raw.put('/calico/bgp/v1/global/as_num', '64512');
      expect(await raw.revision()).toBe(kv.modRevision);
    } finally {
      await s.close();
      await raw.close();
    }
  });
});
