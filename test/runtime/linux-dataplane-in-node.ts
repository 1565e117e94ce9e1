/**
 * Run inside a node's network namespace by linux-dataplane.test.ts (`ip netns exec NS node
 * --import tsx THIS`): the driver as the agent builds it there — local Exec, sysctls through
 * /proc/sys — applies the two-pod VXLAN state twice and prints what it changed and ran.
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
process.stdout.write(JSON.stringify({ changes, ran, again: again.length }));
