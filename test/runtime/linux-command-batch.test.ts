/**
 * The driver's command batching, pure: which steps share a command, in what order, and how a
 * batch's stderr (`Command failed -:N` after the tool's words) maps back to its steps.
 */
import { describe, expect, it } from 'vitest';
import { batchFailures, batchSteps } from '../../engine/runtime/linux/command-batch.ts';
import type { PlanStep } from '../../engine/runtime/linux/dataplane-plan.ts';

const step = (line: string, more: Partial<PlanStep> = {}): PlanStep => ({ argv: line.split(' '), ...more });

describe('batchSteps', () => {
  it('consecutive ip, bridge and sysctl -w steps share one command each; order and other programs stay', () => {
    const cmds = batchSteps([
      step('ip link set dev tunl0 up'), step('ip addr replace 10.5.1.0/32 dev tunl0'),
      step('sysctl -w net.ipv4.conf.calia.proxy_arp=1'), step('sysctl -w net.ipv4.conf.calia.forwarding=1'),
      step('ip route replace 10.5.1.2/32 dev calia proto boot scope link'),
      step('bridge fdb replace 66:40:00:00:00:01 dev vxlan.calico dst 10.0.0.2 self permanent'),
      step('ipset restore -exist', { stdin: 'add cali40x 10.5.1.2\n' }),
      step('ip route del 10.5.1.3/32 dev calib proto 3'), step('ip neigh del 10.5.2.0 dev vxlan.calico'),
    ]);
    expect(cmds.map((c) => [c.argv.join(' '), c.form, c.stdin ?? ''])).toEqual([
      ['ip -force -batch -', 'lines', 'link set dev tunl0 up\naddr replace 10.5.1.0/32 dev tunl0\n'],
      ['sysctl -w net.ipv4.conf.calia.proxy_arp=1 net.ipv4.conf.calia.forwarding=1', 'sysctl', ''],
      ['ip route replace 10.5.1.2/32 dev calia proto boot scope link', 'single', ''],
      ['bridge fdb replace 66:40:00:00:00:01 dev vxlan.calico dst 10.0.0.2 self permanent', 'single', ''],
      ['ipset restore -exist', 'single', 'add cali40x 10.5.1.2\n'],
      ['ip -force -batch -', 'lines', 'route del 10.5.1.3/32 dev calib proto 3\nneigh del 10.5.2.0 dev vxlan.calico\n'],
    ]);
    expect(cmds.flatMap((c) => c.steps)).toHaveLength(9);
  });

  it('a word -batch would split or unquote keeps its step on its own argv', () => {
    const cmds = batchSteps([step('ip link set dev a up'), { argv: ['ip', 'link', 'set', 'dev', 'a b', 'up'] }, step('ip link set dev c up')]);
    expect(cmds.map((c) => c.form)).toEqual(['single', 'single', 'single']);
  });
});

describe('batchFailures', () => {
  it('maps each `Command failed -:N` to its step with the words printed before it', () => {
    const [cmd] = batchSteps([step('ip route del 10.5.1.3/32 dev calib proto 3', { tolerate: /No such process/ }), step('ip link set dev x up'), step('ip route replace 10.5.9.0/26 dev x')]);
    const f = batchFailures(cmd!, 'RTNETLINK answers: No such process\nCommand failed -:1\nCannot find device "x"\nCommand failed -:2\n');
    expect(f!.map((x) => [x.step.argv.join(' '), x.stderr])).toEqual([
      ['ip route del 10.5.1.3/32 dev calib proto 3', 'RTNETLINK answers: No such process'],
      ['ip link set dev x up', 'Cannot find device "x"'],
    ]);
    // The program itself failed (no line named): the caller reports the whole command.
    expect(batchFailures(cmd!, 'ip: command not found\n')).toBeUndefined();
  });
});
