/**
 * Pure parts of the containerlab runtime's node programs and boot commands: which BIRD a
 * `bird --version` names inside an image, where an image's BIRD is looked for, and the shell
 * lines one boot command becomes — in the .clab.yml's exec (background, logged) and as the
 * engine's child (foreground), which must run the same thing.
 */
import { describe, expect, it } from 'vitest';
import { birdDirs, birdFromVersion } from '../../engine/runtime/docker/node-programs.ts';
import { bootExec, daemonShell, type BootCommand } from '../../engine/runtime/containerlab/lab-plan.ts';

describe('image BIRD probing', () => {
  it('reads BIRD 1.6, BIRD 2 and Calico\'s fork from --version', () => {
    expect(birdFromVersion('/opt/bird16/usr/sbin', 'BIRD version 1.6.8\n', false)).toEqual({
      dialect: 'bird1', bird: '/opt/bird16/usr/sbin/bird', birdc: '/opt/bird16/usr/sbin/birdc', birdcl: '/opt/bird16/usr/sbin/birdc', version: '1.6.8',
    });
    expect(birdFromVersion('/usr/sbin', 'BIRD version 2.0.12\n', true)).toMatchObject({ dialect: 'bird2', birdcl: '/usr/sbin/birdcl', version: '2.0.12' });
    expect(birdFromVersion('/usr/sbin', 'BIRD version v0.3.3+birdv1.6.8', false)).toMatchObject({ dialect: 'bird1', version: '1.6.8', calicoFork: true });
    expect(birdFromVersion('/usr/sbin', 'BIRD version 3.0.0', true)).toBeUndefined();
    expect(birdFromVersion('/usr/sbin', 'sh: bird: not found', true)).toBeUndefined();
  });

  it('looks in the image\'s $PODLAB_BIRD16 first, then /usr/sbin', () => {
    expect(birdDirs(['PATH=/usr/bin', 'PODLAB_BIRD16=/opt/bird16/usr/sbin'])).toEqual(['/opt/bird16/usr/sbin', '/usr/sbin', '/usr/local/sbin']);
    expect(birdDirs(['PODLAB_BIRD16=relative/dir'])).toEqual(['/usr/sbin', '/usr/local/sbin']);
  });
});

describe('boot commands', () => {
  const agent: BootCommand = {
    argv: ['podlab', 'agent', '--node', 'n1', '--dir', '/var/lib/podlab/n1', '--etcd', 'http://198.18.0.1:2379', '--bird', 'bird1'],
    daemon: 'agent', log: '/var/log/podlab/agent.log', dirs: ['/var/lib/podlab/n1', '/var/log/podlab'],
    after: ['podlab', 'seed', '--wait', '--etcd', 'http://198.18.0.1:2379'],
  };

  it('the engine runs the exec line without its log and background: the same commands, in the same order', () => {
    const fg = daemonShell(agent, false);
    const bg = daemonShell(agent, true);
    expect(fg).toBe('mkdir -p /var/lib/podlab/n1 /var/log/podlab && { podlab seed --wait --etcd http://198.18.0.1:2379 && exec podlab agent --node n1 --dir /var/lib/podlab/n1 --etcd http://198.18.0.1:2379 --bird bird1; }');
    expect(bg).toBe(`${fg} >>/var/log/podlab/agent.log 2>&1 &`);
    expect(bootExec(agent)).toBe(`sh -c '${bg}'`);
  });

  it('a step is its argv, quoted for containerlab\'s shlex', () => {
    expect(bootExec({ argv: ['ip', 'addr', 'add', '198.18.0.10/16', 'dev', 'mgmt0'] })).toBe('ip addr add 198.18.0.10/16 dev mgmt0');
    expect(bootExec({ argv: ['sh', '-c', 'echo $HOME'] })).toBe("sh -c 'echo $$HOME'");
  });
});
