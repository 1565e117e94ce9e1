import { afterAll, beforeAll, describe } from 'vitest';
import { EtcdDatastore } from '../../../engine/calico/datastore/index.ts';
import { haveCommands } from '../../support/system.ts';
import { startEtcd, type EtcdServer } from '../datastore/etcd-server.ts';
import { runIpamSuite } from './suite.ts';

const ok = haveCommands('etcd');

describe.skipIf(!ok)('IPAM against a real etcd (CAS through etcd transactions)', () => {
  let server: EtcdServer | undefined;
  let n = 0;
  beforeAll(async () => {
    server = await startEtcd('ipam');
  });
  afterAll(async () => {
    await server?.stop();
  });
  runIpamSuite('etcd', async () => new EtcdDatastore({ endpoints: [server!.clientUrl], root: `/ipam-${n++}` }));
});
