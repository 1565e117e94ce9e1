/**
 * Helpers for BGP interop tests: network namespaces joined by veth pairs or a bridge, real
 * daemons started inside them, and our speaker run as `podlab bgp --json` in a namespace.
 * Everything started is tracked and torn down by cleanup(), even after a failure.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../../..');

/** Runs a command (argv) and returns stdout; rejects with stderr on failure. */
export function run(argv: string[], opts: { timeout?: number } = {}): Promise<string> {
  return new Promise((res, rej) => {
    execFile(argv[0]!, argv.slice(1), { timeout: opts.timeout ?? 15_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${argv.join(' ')}: ${err.message}\n${stderr}`));
      else res(stdout);
    });
  });
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One JSON event line printed by `podlab bgp --json`. */
export type SpeakerLine = Record<string, unknown> & { type: string };

/** Our speaker as a child process in a namespace. */
export class SpeakerProc {
  readonly lines: SpeakerLine[] = [];
  readonly text: string[] = [];
  exitCode: number | null = null;
  private exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) this.lines.push(JSON.parse(line) as SpeakerLine);
        else this.text.push(line);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => this.text.push(`stderr: ${d.toString()}`));
    this.exited = new Promise((r) => proc.on('exit', (code) => { this.exitCode = code; r(code); }));
  }

  /** Waits for an event line matching `pred`. */
  waitLine(what: string, pred: (l: SpeakerLine) => boolean, timeoutMs = 20_000): Promise<SpeakerLine> {
    return waitFor(`${what} (speaker output: ${this.lines.slice(-5).map((l) => JSON.stringify(l)).join(' | ')} ${this.text.slice(-3).join(' | ')})`, () => this.lines.find(pred), timeoutMs, 50);
  }

  /** Sends a stdin command (`show route all`, `announce P`, `withdraw P`). */
  command(cmd: string): void {
    this.proc.stdin!.write(`${cmd}\n`);
  }

  /** Runs a view command and returns the text printed after it. */
  async view(cmd: string): Promise<string> {
    const before = this.text.length;
    this.command(cmd);
    await new Promise((r) => setTimeout(r, 300));
    return this.text.slice(before).join('\n');
  }

  /** SIGINT and wait for exit; returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.exitCode === null) this.proc.kill('SIGINT');
    return this.exited;
  }
}

/** A set of namespaces and processes owned by one test file. */
export class NetLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'podlab-bgp-'));
  private nss: string[] = [];
  private procs: ChildProcess[] = [];
  private pidFiles: string[] = [];

  constructor(readonly tag: string) {}

  /** A namespace name unique to this test file and process. */
  ns(n: string): string {
    return `pl-${this.tag}${n}-${process.pid % 100000}`;
  }

  /** Creates the namespaces with loopback up. */
  addNs(...names: string[]): void {
    for (const n of names) {
      const ns = this.ns(n);
      execFileSync('ip', ['netns', 'add', ns]);
      this.nss.push(ns);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }

  /** A veth pair between two namespaces with the given /24 addresses. */
  link(a: string, aAddr: string, b: string, bAddr: string): void {
    const ia = `v${this.tag}${a}${b}`.slice(0, 15);
    const ib = `v${this.tag}${b}${a}`.slice(0, 15);
    execFileSync('ip', ['link', 'add', ia, 'netns', this.ns(a), 'type', 'veth', 'peer', 'name', ib, 'netns', this.ns(b)]);
    execFileSync('ip', ['-n', this.ns(a), 'addr', 'add', `${aAddr}/24`, 'dev', ia]);
    execFileSync('ip', ['-n', this.ns(b), 'addr', 'add', `${bAddr}/24`, 'dev', ib]);
    execFileSync('ip', ['-n', this.ns(a), 'link', 'set', ia, 'up']);
    execFileSync('ip', ['-n', this.ns(b), 'link', 'set', ib, 'up']);
  }

  /** A bridge in namespace `hub` with one veth to each member namespace (address per member). */
  bridge(hub: string, members: [string, string][]): void {
    const br = `br${this.tag}`.slice(0, 15);
    execFileSync('ip', ['-n', this.ns(hub), 'link', 'add', br, 'type', 'bridge']);
    execFileSync('ip', ['-n', this.ns(hub), 'link', 'set', br, 'up']);
    for (const [m, addr] of members) {
      const outer = `b${this.tag}${m}h`.slice(0, 15);
      const inner = `b${this.tag}${m}`.slice(0, 15);
      execFileSync('ip', ['link', 'add', outer, 'netns', this.ns(hub), 'type', 'veth', 'peer', 'name', inner, 'netns', this.ns(m)]);
      execFileSync('ip', ['-n', this.ns(hub), 'link', 'set', outer, 'master', br, 'up']);
      execFileSync('ip', ['-n', this.ns(m), 'addr', 'add', `${addr}/24`, 'dev', inner]);
      execFileSync('ip', ['-n', this.ns(m), 'link', 'set', inner, 'up']);
    }
  }

  /** Writes a file into the lab's temp dir and returns its path. */
  file(name: string, content: string): string {
    const p = join(this.dir, name);
    writeFileSync(p, content);
    return p;
  }

  /** Starts a long-running process in a namespace (tracked for cleanup). */
  spawn(n: string, argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', this.ns(n), ...argv], { cwd: opts.cwd ?? this.dir, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.procs.push(p);
    return p;
  }

  /** Remembers a daemon pid file to kill in cleanup. */
  trackPidFile(path: string): void {
    this.pidFiles.push(path);
  }

  /** Runs a command inside a namespace and returns stdout. */
  exec(n: string, argv: string[], timeout?: number): Promise<string> {
    return run(['ip', 'netns', 'exec', this.ns(n), ...argv], timeout === undefined ? {} : { timeout });
  }

  /** Starts `podlab bgp --config FILE --json` in a namespace. */
  speaker(n: string, yamlText: string, name = 'speaker.yaml'): SpeakerProc {
    const cfg = this.file(name, yamlText);
    return new SpeakerProc(this.spawn(n, [process.execPath, join(REPO, 'bin/podlab.js'), 'bgp', '--config', cfg, '--json'], { cwd: REPO }));
  }

  /** Starts bird2 with a config; returns a birdc runner. */
  async bird(n: string, conf: string, name = 'bird'): Promise<(cmd: string) => Promise<string>> {
    const c = this.file(`${name}.conf`, conf);
    const ctl = join(this.dir, `${name}.ctl`);
    const pid = join(this.dir, `${name}.pid`);
    await run(['bird', '-p', '-c', c]);
    await this.exec(n, ['bird', '-c', c, '-s', ctl, '-P', pid]);
    this.trackPidFile(pid);
    return (cmd: string) => this.exec(n, ['birdc', '-s', ctl, ...cmd.split(' ')]);
  }

  /** Starts gobgpd with a TOML config; returns a gobgp CLI runner. */
  async gobgp(n: string, toml: string, name = 'gobgp'): Promise<(args: string[]) => Promise<string>> {
    const c = this.file(`${name}.toml`, toml);
    this.spawn(n, ['gobgpd', '-f', c, '-p', '--api-hosts', '127.0.0.1:50051', '--pprof-disable']);
    const cli = (args: string[]): Promise<string> => this.exec(n, ['gobgp', '-u', '127.0.0.1', '-p', '50051', ...args]);
    await waitFor('gobgpd API', async () => (await cli(['global'])).includes('AS'));
    return cli;
  }

  /** Kills every daemon and process, deletes every namespace and the scratch directory. */
  cleanup(): void {
    for (const p of this.pidFiles) {
      try {
        const pid = Number(execFileSync('cat', [p]).toString().trim());
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch { /* not running */ }
    }
    for (const p of this.procs) {
      try { p.kill('SIGKILL'); } catch { /* gone */ }
    }
    for (const ns of this.nss) {
      // Processes left in the namespace (forked daemons) die with it only if killed first.
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns]).toString().split('\n').filter(Boolean);
        for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ } }
      } catch { /* no namespace */ }
      try { execFileSync('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
