/**
 * Run inside a node's network namespace by linux-dataplane.test.ts (`ip netns exec NS node
 * --import tsx THIS`): the driver as the agent builds it there — local Exec, sysctls through
 * /proc/sys — applies the two-pod VXLAN state twice, then a third pod, and prints what it
 * changed and ran.
 */
import { LinuxDataplane } from '../../engine/runtime/linux/dataplane.ts';
import { localExec } from '../../engine/runtime/linux/exec.ts';
import { procSysAccess } from '../../engine/runtime/linux/proc-sys.ts';
import { desiredFor, ingressFrom, workload } from './linux-dataplane-snap.ts';

const d = desiredFor([workload('a', '10.5.1.2'), workload('b', '10.5.1.3')], 'vxlan', ingressFrom('b'));
const dp = new LinuxDataplane(localExec, { node: 'n1', sysctls: procSysAccess() });
const changes = (await dp.apply(d)).map((c) => c.text);
const ran = dp.lastRun.map((c) => c.argv.join(' '));
const again = await dp.apply(d);
// A third pod, its interface as the CNI plugin leaves it: what the pass runs.
const c = workload('c', '10.5.1.4');
for (const argv of [['ip', 'link', 'add', c.iface, 'type', 'veth', 'peer', 'name', 'p-c'], ['ip', 'link', 'set', c.iface, 'up']]) {
  const r = await localExec(argv);
  if (r.code !== 0) throw new Error(r.stderr);
}
await dp.apply(desiredFor([workload('a', '10.5.1.2'), workload('b', '10.5.1.3'), c], 'vxlan', ingressFrom('b')));
const ranForPod = dp.lastRun.map((x) => x.argv.join(' '));
process.stdout.write(JSON.stringify({ changes, ran, again: again.length, ranForPod }));
