/**
 * The per-lab etcd: unix sockets only (no TCP), reachable from another network namespace
 * through the filesystem, PODLAB_LAB in its environment, and nothing left after stop().
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdDatastore } from '../../engine/calico/datastore/etcd.ts';
import { startLabEtcd, type LabEtcd } from '../../engine/runtime/linux/etcd.ts';
import { haveCommands, haveRoot } from '../support/system.ts';

const ok = haveRoot() && haveCommands('etcd', 'ip');
const root = join(import.meta.dirname, '..', '..');

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); /proc's state tells it apart.
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe.runIf(ok)('lab etcd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-labetcd-'));
  const ns = `pl-etcdt-${process.pid}`;
  let etcd: LabEtcd | undefined;
  afterAll(async () => {
    await etcd?.stop();
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* not created */ }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves EtcdDatastore on a unix socket, to the engine and to another network namespace; stop leaves no process', async () => {
    const progress: string[] = [];
    etcd = await startLabEtcd(dir, { lab: 'etcdtest', onProgress: (m) => progress.push(m) });
    expect(etcd.endpoint).toBe(`unix://${dir}/etcd:2379`);
    expect(existsSync(join(dir, 'etcd:2379'))).toBe(true);
    expect(existsSync(join(dir, 'etcd', 'member'))).toBe(true);
    expect(readFileSync(join(dir, 'etcd.pid'), 'utf8').trim()).toBe(String(etcd.pid));
    expect(readFileSync(`/proc/${etcd.pid}/environ`, 'utf8').split('\0')).toContain('PODLAB_LAB=etcdtest');
    expect(progress.at(-1)).toContain('etcd ready on unix://');
    // Nothing on TCP: every listener of the process is a unix socket.
    const tcp = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
    expect(tcp).not.toContain(`pid=${etcd.pid},`);

    const ds = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    await ds.put('/podlab/test/from-engine', { hello: 'engine' });

    // A fresh namespace has no route anywhere; only the filesystem connects it to etcd.
    execFileSync('ip', ['netns', 'add', ns]);
    const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'test/runtime/helpers/etcd-get.ts',
      etcd.endpoint, '/podlab/test/from-ns', '{"hello":"namespace"}'], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ hello: 'namespace' });
    const seen = execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'test/runtime/helpers/etcd-get.ts',
      etcd.endpoint, '/podlab/test/from-engine'], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(seen)).toEqual({ hello: 'engine' });
    expect((await ds.get('/podlab/test/from-ns'))?.value).toEqual({ hello: 'namespace' });
    await ds.close();

    const pid = etcd.pid;
    await etcd.stop();
    etcd = undefined;
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'etcd.pid'))).toBe(false);
    expect(existsSync(join(dir, 'etcd:2379'))).toBe(false);
  });

  it('restarts on the same data (a lab survives its etcd restart) and says where the log is when etcd cannot start', async () => {
    etcd = await startLabEtcd(dir, { lab: 'etcdtest' });
    const ds = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    expect((await ds.get('/podlab/test/from-engine'))?.value).toEqual({ hello: 'engine' });
    await ds.close();
    await expect(startLabEtcd(dir, { lab: 'etcdtest' })).rejects.toThrow(/already running \(pid \d+/);
    await etcd.stop();
    etcd = undefined;
    await expect(startLabEtcd(dir, { lab: 'Bad Name' })).rejects.toThrow(/lab name 'Bad Name'/);
    // A data dir etcd cannot create: the error names the log and quotes its end.
    const broken = mkdtempSync(join(tmpdir(), 'pl-labetcd-bad-'));
    writeFileSync(join(broken, 'etcd'), 'not a directory');
    const err = await startLabEtcd(broken, { lab: 'broken', timeoutMs: 10_000 }).catch((e: unknown) => e as Error);
    rmSync(broken, { recursive: true, force: true });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`${broken}/etcd.log`);
    expect((err as Error).message).toMatch(/exited during startup|did not answer/);
  });
});
