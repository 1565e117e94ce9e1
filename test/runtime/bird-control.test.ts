/**
 * engine/runtime/linux/bird.ts without root: argv shapes, findBird's choice, and the replies
 * of both BIRD generations (captured from BIRD 1.6.8's birdc and 2.0.12's birdcl) read through
 * a fake Exec. The live behaviour is covered by bird-fabric.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Exec, ExecResult } from '../../engine/runtime/linux/exec.ts';
import { birdArgv, birdcArgv, birdConfigure, birdProtocols, findBird } from '../../engine/runtime/linux/bird.ts';
import type { BirdInstall } from '../../engine/runtime/linux/bird.ts';

const B1: BirdInstall = { dialect: 'bird1', bird: '/b1/bird', birdc: '/b1/birdc', birdcl: '/b1/birdc', version: '1.6.8' };
const B2: BirdInstall = { dialect: 'bird2', bird: '/usr/sbin/bird', birdc: '/usr/sbin/birdc', birdcl: '/usr/sbin/birdcl', version: '2.0.12' };

function fake(r: Partial<ExecResult>, seen: (readonly string[])[] = []): Exec {
  return async (argv) => {
    seen.push(argv);
    return { stdout: '', stderr: '', code: 0, ...r };
  };
}

const SHOW16 = `BIRD 1.6.8 ready.
name     proto    table    state  since       info
device1  Device   master   up     12:17:50    
kernel1  Kernel   master   up     12:17:50    
Node_10_1_1_1 BGP      master   up     12:17:52    Established   
spine1   BGP      master   start  12:17:50    Active        Socket: Connection refused
`;
const SHOW2 = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     12:17:55.369  
kernel1    Kernel     master4    up     12:17:55.369  
node_1a    BGP        ---        up     12:17:57.012  Established   
spine1     BGP        ---        start  12:17:55.369  Idle          
`;

describe('BIRD control', () => {
  it('runs BIRD in the foreground with every path explicit', () => {
    expect(birdArgv(B2, { config: '/d/bird.cfg', socket: '/d/bird.ctl', pidFile: '/d/bird.pid', logFile: '/d/bird.log' }))
      .toEqual(['/usr/sbin/bird', '-f', '-c', '/d/bird.cfg', '-s', '/d/bird.ctl', '-P', '/d/bird.pid', '-D', '/d/bird.log']);
    expect(birdcArgv(B1, '/d/bird.ctl', ['show', 'protocols'])).toEqual(['/b1/birdc', '-s', '/d/bird.ctl', 'show', 'protocols']);
  });

  it('parses show protocols of both dialects into the same rows', async () => {
    const one = await birdProtocols(fake({ stdout: SHOW16 }), B1, '/s');
    expect(one.map((r) => [r.name, r.proto, r.state, r.info])).toEqual([
      ['device1', 'Device', 'up', ''], ['kernel1', 'Kernel', 'up', ''],
      ['Node_10_1_1_1', 'BGP', 'up', 'Established'], ['spine1', 'BGP', 'start', 'Active Socket: Connection refused'],
    ]);
    const two = await birdProtocols(fake({ stdout: SHOW2 }), B2, '/s');
    expect(two.map((r) => [r.name, r.proto, r.table, r.state, r.since, r.info])).toEqual([
      ['device1', 'Device', '---', 'up', '12:17:55.369', ''], ['kernel1', 'Kernel', 'master4', 'up', '12:17:55.369', ''],
      ['node_1a', 'BGP', '---', 'up', '12:17:57.012', 'Established'], ['spine1', 'BGP', '---', 'start', '12:17:55.369', 'Idle'],
    ]);
  });

  it('configure: success by BIRD\'s words, failure with its message whatever the exit code', async () => {
    const seen: (readonly string[])[] = [];
    await birdConfigure(fake({ stdout: 'BIRD 1.6.8 ready.\nReading configuration from /d/bird.cfg\nReconfigured\n' }, seen), B1, '/d/bird.ctl');
    expect(seen[0]).toEqual(['/b1/birdc', '-s', '/d/bird.ctl', 'configure']);
    // birdc 1.6 exits 0 on a refused file; birdcl 2 exits 1.
    await expect(birdConfigure(fake({ stdout: 'BIRD 1.6.8 ready.\nReading configuration from /d/bird.cfg\n/d/bird.cfg:3:1 syntax error\n' }), B1, '/s'))
      .rejects.toThrow('BIRD refused its configuration: /d/bird.cfg:3:1 syntax error');
    await expect(birdConfigure(fake({ code: 1, stdout: 'BIRD 2.0.12 ready.\nReading configuration from /d/bird.cfg\n/d/bird.cfg:1:0 syntax error, unexpected END\n' }), B2, '/s'))
      .rejects.toThrow('/d/bird.cfg:1:0 syntax error, unexpected END');
  });

  it('an unreachable socket is an error naming it', async () => {
    const r = fake({ code: 1, stderr: 'Unable to connect to server control socket (/d/bird.ctl): No such file or directory\n' });
    await expect(birdProtocols(r, B2, '/d/bird.ctl')).rejects.toThrow(/BIRD at \/d\/bird\.ctl: Unable to connect/);
  });

  it('findBird reports what it found with its dialect and version', () => {
    const b = findBird('bird2');
    if (!b) return; // no BIRD on this machine: nothing to find
    expect(b.version.startsWith(b.dialect === 'bird1' ? '1.' : '2.')).toBe(true);
    const any = findBird();
    expect(any).toBeDefined();
  });
});
