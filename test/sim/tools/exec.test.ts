import { describe, it, expect } from 'vitest';
import { Kernel } from '../../../engine/sim/kernel.ts';
import { runTool, registerTool, splitCommandLine, CommandLineError } from '../../../engine/sim/tools/index.ts';

describe('splitCommandLine (quotes only, no expansion)', () => {
  it('splits words and honours quotes and backslashes', () => {
    expect(splitCommandLine('ip  route show')).toEqual(['ip', 'route', 'show']);
    expect(splitCommandLine(`echo 'a b' "c \\"d\\" $HOME" e\\ f`)).toEqual(['echo', 'a b', 'c "d" $HOME', 'e f']);
    expect(splitCommandLine(`ip r; rm -rf / | cat`)).toEqual(['ip', 'r;', 'rm', '-rf', '/', '|', 'cat']);
    expect(splitCommandLine(`a ''`)).toEqual(['a', '']);
  });
  it('rejects unterminated quotes', () => {
    expect(() => splitCommandLine(`ip "route`)).toThrow(CommandLineError);
    expect(() => splitCommandLine(`ip 'route`)).toThrow(CommandLineError);
  });
});

describe('runTool', () => {
  const k = new Kernel({ node: 'n1' });
  it('dispatches a string command line and argv', () => {
    expect(runTool(k, 'ip link add br0 type bridge').code).toBe(0);
    expect(runTool(k, ['ip', 'link', 'show', 'br0']).stdout).toMatch(/^2: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN/);
    // A fresh namespace's lo is down until someone brings it up (as `ip netns add` leaves it).
    expect(runTool(k, '/sbin/ip -br link show lo').stdout).toBe('lo               DOWN           00:00:00:00:00:00 <LOOPBACK> \n');
    expect(runTool(k, 'ip link set lo up').code).toBe(0);
    expect(runTool(k, '/sbin/ip -br link show lo').stdout).toBe('lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n');
  });
  it('unknown commands fail like bash with 127', () => {
    expect(runTool(k, 'foo bar')).toEqual({ stdout: '', stderr: 'bash: foo: command not found\n', code: 127 });
    expect(runTool(k, 'ip "x')).toMatchObject({ code: 2 });
  });
  it('registered tools are dispatched', () => {
    registerTool('hostname', (kk) => ({ stdout: `${kk.state.node}\n`, stderr: '', code: 0 }));
    expect(runTool(k, 'hostname').stdout).toBe('n1\n');
    expect(() => registerTool('a b', () => ({ stdout: '', stderr: '', code: 0 }))).toThrow();
  });
  it('sysctl reads, writes and fails like procps', () => {
    expect(runTool(k, 'sysctl net.ipv4.ip_forward').stdout).toBe('net.ipv4.ip_forward = 0\n');
    expect(runTool(k, 'sysctl -w net.ipv4.ip_forward=1').stdout).toBe('net.ipv4.ip_forward = 1\n');
    expect(runTool(k, 'sysctl -n net.ipv4.conf.br0.forwarding').stdout).toBe('1\n');
    expect(runTool(k, 'sysctl net.ipv4.foo')).toEqual({ stdout: '', stderr: 'sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory\n', code: 1 });
    expect(runTool(k, 'sysctl -w net.ipv4.ip_forward')).toMatchObject({ stderr: 'sysctl: command line(0): invalid syntax, continuing...\n', code: 1 });
    expect(runTool(k, 'sysctl -a').stdout.split('\n')[0]).toBe('net.ipv4.conf.all.forwarding = 1');
  });
  it('bridge fdb/link print and fail with 255', () => {
    const k2 = new Kernel({ node: 'n2' });
    runTool(k2, 'ip link add vx0 type vxlan id 4096 dstport 4789 nolearning');
    expect(runTool(k2, 'bridge fdb add 00:00:00:00:00:00 dev vx0 dst 10.0.0.2').code).toBe(0);
    expect(runTool(k2, 'bridge fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.0.3').code).toBe(0);
    expect(runTool(k2, 'bridge fdb show dev vx0').stdout).toBe('00:00:00:00:00:00 dst 10.0.0.2 self permanent\n00:00:00:00:00:00 dst 10.0.0.3 self permanent\n');
    expect(runTool(k2, 'bridge fdb add 02:00:00:00:00:78 dev eth9 master static')).toEqual({ stdout: '', stderr: 'Cannot find device "eth9"\n', code: 255 });
    expect(runTool(k2, 'bridge foo')).toEqual({ stdout: '', stderr: 'Object "foo" is unknown, try "bridge help".\n', code: 255 });
  });
});
