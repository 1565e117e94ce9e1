/**
 * `podlab run --runtime containerlab` as a user runs it, as root with dockerd running: the
 * shipped VXLAN + policy scenario passes in containers named and labelled as containerlab
 * names them, and afterwards `docker ps -a` shows no container of the lab, and no veth or
 * bridge of it is left on the host.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { labIdIsLive } from '../../engine/runtime/labs.ts';
import { haveCommands, haveRoot, haveDocker } from '../support/system.ts';

const ok = haveRoot() && haveCommands('dockerd', 'ip', 'nsenter', 'iptables', 'tcpdump') && haveDocker();
const repo = join(import.meta.dirname, '..', '..');
const env = { ...process.env, PODLAB_HOME: mkdtempSync(join(tmpdir(), 'pl-dkcli-')) };

describe.runIf(ok)('podlab run --runtime containerlab', () => {
  it('vxlan-policy passes in containers, and nothing of the lab is left afterwards', async () => {
    const lab = `dkcli-${process.pid}`;
    const linksBefore = new Set(readdirSync('/sys/class/net'));
    const r = spawnSync(process.execPath, [join(repo, 'bin', 'podlab.js'), 'run', '--runtime', 'containerlab', '--lab', lab, '--json', 'scenarios/vxlan-policy.yaml'],
      { cwd: repo, env, encoding: 'utf8', timeout: 900_000 });
    const doc = JSON.parse(r.stdout || '{}') as { passed?: boolean; runtime?: string; steps?: { title: string; ok: boolean; error?: string }[] };
    expect({ code: r.status, passed: doc.passed, runtime: doc.runtime, failed: (doc.steps ?? []).filter((s) => !s.ok).map((s) => `${s.title}: ${s.error ?? ''}`), stderr: doc.passed ? '' : r.stderr.slice(-3000) })
      .toEqual({ code: 0, passed: true, runtime: 'containerlab', failed: [], stderr: '' });
    const left = await new Docker().listContainers({ all: true, filters: { label: [`podlab.lab=${lab}`] } });
    expect(left.map((c) => c.Names)).toEqual([]);
    // New podlab links on the host, except those of labs other suites are running right now.
    expect(readdirSync('/sys/class/net').filter((l) => !linksBefore.has(l) && /^pl[0-9a-z]{3}[bwpt]/.test(l) && !labIdIsLive(l.slice(0, 5)))).toEqual([]);
    expect(existsSync(join(env.PODLAB_HOME, 'labs', lab))).toBe(false);
  }, 900_000);
});
