/**
 * Test helper run in another network namespace: `tsx etcd-get.ts ENDPOINT KEY [VALUE]`
 * writes VALUE (JSON) when given, then prints the key's value as JSON, through EtcdDatastore.
 */
import { EtcdDatastore } from '../../../engine/calico/datastore/etcd.ts';

const [endpoint, key, value] = process.argv.slice(2);
if (!endpoint || !key) {
  process.stderr.write('usage: etcd-get.ts ENDPOINT KEY [VALUE]\n');
  process.exit(2);
}
const ds = new EtcdDatastore({ endpoints: [endpoint], client: { dialTimeout: 3000 } });
if (value !== undefined) await ds.put(key, JSON.parse(value));
const kv = await ds.get(key);
process.stdout.write(`${JSON.stringify(kv?.value ?? null)}\n`);
await ds.close();
