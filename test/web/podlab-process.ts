/**
 * The real `podlab` command as a child process for browser tests: start it, wait for the
 * line that says where the web UI listens, stop it with Ctrl-C (SIGINT) like a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A running `podlab` that serves the UI. */
export interface PodlabProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGINT, then waits for it to exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Runs `node bin/podlab.js ARGS` with stdin closed and resolves once "web UI on URL" is printed. */
export async function startPodlab(args: readonly string[], timeoutMs = 120_000): Promise<PodlabProcess> {
  const child = spawn(process.execPath, ['bin/podlab.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.resume();
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`podlab ${args.join(' ')} did not serve the UI within ${timeoutMs} ms:\n${err}`)), timeoutMs);
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /web UI on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) { clearTimeout(timer); res(m[1]!); }
    });
    child.on('close', (code) => { clearTimeout(timer); rej(new Error(`podlab ${args.join(' ')} exited (${code}) before serving:\n${err}`)); });
  });
  const exited = new Promise<void>((res) => child.once('close', () => res()));
  return {
    url, child, stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
