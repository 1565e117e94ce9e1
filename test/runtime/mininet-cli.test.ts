/**
 * `podlab run --runtime mininet` as a user runs it, as root: every shipped scenario either
 * passes on real nodes or is reported unsupported with the kernel module it needs; a run
 * killed with SIGKILL in the middle of its deploy leaves leftovers that `podlab destroy --all`
 * removes completely (links, namespaces, BIRD, etcd, agents, tcpdump, Mininet's shells).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveCommands, haveRoot, haveMininet } from '../support/system.ts';

const ok = haveRoot() && haveCommands('ip', 'tcpdump', 'nsenter', 'mnexec', 'etcd', 'ping') && haveMininet();
const repo = join(import.meta.dirname, '..', '..');
const bin = join(repo, 'bin', 'podlab.js');
const env = { ...process.env, PODLAB_HOME: mkdtempSync(join(tmpdir(), 'pl-mncli-')) };

function podlab(args: string[], timeout = 400_000): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, env, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The processes carrying this lab's marker, by what they run. */
function labProcesses(lab: string, id: string | undefined): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const environ = readFileSync(`/proc/${p}/environ`, 'latin1').split('\0');
      if (!environ.includes(`PODLAB_LAB=${lab}`) && !(id && environ.includes(`PODLAB_LAB_ID=${id}`))) return [];
      return [readFileSync(`/proc/${p}/cmdline`, 'latin1').split('\0')[0]!.replace(/^.*\//, '')];
    } catch {
      return [];
    }
  }).sort();
}

/** What of lab `lab` (id `id`) exists on this machine: processes, root links, namespaces. */
function census(lab: string, id: string | undefined) {
  return {
    processes: labProcesses(lab, id),
    links: id ? readdirSync('/sys/class/net').filter((l) => l.startsWith(id)) : [],
    netns: id && existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(id)) : [],
  };
}

describe.runIf(ok)('podlab run --runtime mininet', () => {
  const scenarios = readdirSync(join(repo, 'scenarios')).filter((f) => f.endsWith('.yaml')).sort();

  it.each(scenarios)('%s passes on real nodes or is reported unsupported, naming the module', (file) => {
    const r = podlab(['run', '--runtime', 'mininet', '--json', '--skip-unsupported', `scenarios/${file}`]);
    const doc = JSON.parse(r.stdout) as { passed: boolean; skipped?: boolean; reason?: string; runtime: string };
    expect({ code: r.code, passed: doc.passed, stderr: doc.passed ? '' : r.stderr.slice(-2000) }).toEqual({ code: 0, passed: true, stderr: '' });
    if (doc.skipped) expect(doc.reason).toMatch(/modprobe \S+|CONFIG_|simulator only/);
    else expect(doc.runtime).toBe('mininet');
  }, 400_000);

  it('an unsupported scenario without --skip-unsupported exits 1 and says why', () => {
    const r = podlab(['run', '--runtime', 'mininet', 'scenarios/ipip-vs-bgp.yaml']);
    const ipip = spawnSync('ip', ['link', 'add', 'plprobe0', 'type', 'ipip'], { encoding: 'utf8' });
    if (ipip.status === 0) {
      spawnSync('ip', ['link', 'del', 'plprobe0']);
      return; // this kernel has ipip: the scenario runs instead (covered above)
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not run: .*ipipMode Always.*modprobe ipip/);
  }, 120_000);

  it('SIGKILL mid-deploy, then podlab destroy --all: nothing of the lab is left', async () => {
    const lab = `kill-${process.pid}`;
    const child = spawn(process.execPath, [bin, 'run', '--runtime', 'mininet', '--lab', lab, 'scenarios/tor-peering.yaml'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`never reached the agents:\n${log}`)), 120_000);
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        // Mid-deploy: etcd, BIRD on the routers and the agents are starting.
        if (log.includes('calico-node agents to sync')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    let destroyed = false;
    try {
      const id = (JSON.parse(readFileSync(join(env.PODLAB_HOME, 'labs', lab, 'state.json'), 'utf8')) as { id: string }).id;
      const during = census(lab, id);
      // What a killed engine leaves: etcd (it logs to a file), Mininet's shells, bridges, veths;
      // BIRD, agents and tcpdumps wrote into the engine's pipes and may already have died of it.
      expect(during.processes).toContain('etcd');
      expect(during.links.length).toBeGreaterThan(0);
      const r = podlab(['destroy', '--all'], 120_000);
      destroyed = true;
      expect(r.code).toBe(0);
      expect(census(lab, id)).toEqual({ processes: [], links: [], netns: [] });
      expect(existsSync(join(env.PODLAB_HOME, 'labs', lab))).toBe(false);
    } finally {
      // A failed assertion must not leave the lab on the machine for later runs to trip over.
      if (!destroyed) podlab(['destroy', '--all'], 120_000);
    }
  }, 240_000);
});
