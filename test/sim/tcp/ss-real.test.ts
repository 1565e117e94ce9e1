/**
 * External judge for `ss`: the same socket table built twice — in the simulator and with real
 * sockets in two network namespaces (a node listener on 179, a client bound to the same
 * source port) — must print byte-identical `ss` output for the same arguments.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, listen, ss } from '../../../engine/sim/tcp/index.ts';
import { haveCommands, haveRoot } from '../../support/system.ts';
import { lan } from './net.ts';

const ok = haveRoot() && haveCommands('ip', 'ss', 'node');
const NA = `pl-tss-${process.pid}-a`;
const NB = `pl-tss-${process.pid}-b`;
const PORT = 40123;
const kids: ChildProcess[] = [];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

/** Runs a node script inside a namespace and resolves once it printed "ready". */
function inNs(ns: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    kids.push(p);
    p.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('ready')) resolve(); });
    p.on('exit', (code) => reject(new Error(`script in ${ns} exited ${code}`)));
  });
}

function realSs(ns: string, args: string[]): string {
  const env = { ...process.env };
  delete env.COLUMNS; // not a terminal and no COLUMNS: ss's compact rendering
  return execFileSync('ip', ['netns', 'exec', ns, 'ss', ...args], { encoding: 'utf8', env });
}

describe.skipIf(!ok)('ss output matches iproute2 ss on real sockets', () => {
  beforeAll(async () => {
    ip('netns', 'add', NA);
    ip('netns', 'add', NB);
    ip('-n', NA, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NB);
    ip('-n', NA, 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0');
    ip('-n', NB, 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0');
    for (const ns of [NA, NB]) { ip('-n', ns, 'link', 'set', 'eth0', 'up'); ip('-n', ns, 'link', 'set', 'lo', 'up'); }
    await inNs(NB, "require('net').createServer(()=>{}).listen(179,'0.0.0.0',()=>console.log('ready'));setTimeout(()=>{},60000)");
    await inNs(NA, `const s=require('net').connect({host:'10.0.0.2',port:179,localAddress:'10.0.0.1',localPort:${PORT}},()=>console.log('ready'));setTimeout(()=>{},60000)`);
  }, 30_000);

  afterAll(() => {
    for (const k of kids) k.kill('SIGKILL');
    for (const ns of [NA, NB]) { try { ip('netns', 'del', ns); } catch { /* already gone */ } }
  });

  it('prints the same tables for -tn, -tln, -tan, -t and a state filter', () => {
    const w = lan();
    listen(w.node('b'), { port: 179 }, () => {});
    connect(w.node('a'), { dst: '10.0.0.2', port: 179, src: '10.0.0.1', srcPort: PORT });
    w.run(100);
    for (const args of [['-tn'], ['-tln'], ['-tan'], ['-t'], ['-tanH'], ['-tn', 'state', 'established']]) {
      expect(ss(w.node('a'), args), `a: ss ${args.join(' ')}`).toBe(realSs(NA, args));
      expect(ss(w.node('b'), args), `b: ss ${args.join(' ')}`).toBe(realSs(NB, args));
    }
  });
});
