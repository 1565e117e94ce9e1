/**
 * Commands inside a container through the Docker Engine API (what `docker exec` does):
 * the container's own programs and filesystem, its namespaces and cgroup. Two shapes:
 * `containerExec` is an `Exec` (argv, optional stdin, exit code, output as text) and
 * `streamExec` keeps a long-running command's stdout as a byte stream (tcpdump -w -).
 *
 * The Engine API has no "kill this exec": the exec's host pid (from inspect) is signalled,
 * which works because the engine runs as root in the host's pid namespace.
 */
import { PassThrough, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Exec, ExecResult } from '../linux/exec.ts';

/** Output beyond this is cut, as linux/exec.ts does. */
const MAX_OUTPUT = 64 * 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Exit status of a finished exec (the daemon may need a moment to record it after the stream ends). */
async function exitCode(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const s = await exec.inspect();
    if (!s.Running && s.ExitCode !== null) return s.ExitCode;
    await sleep(i < 20 ? 5 : 25);
  }
  throw new Error('docker exec: no exit code after 5 s');
}

/** Signals an exec's process by its host pid; false when it is already gone. */
export async function killExec(exec: Docker.Exec, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
  const s = await exec.inspect().catch(() => undefined);
  if (!s?.Running || !s.Pid) return false;
  try {
    process.kill(s.Pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** An Exec running argv in container `name` through the Docker API; never throws for a non-zero exit. */
export function containerExec(docker: Docker, name: string, env: Readonly<Record<string, string>> = {}): Exec {
  return async (argv, opts = {}) => {
    if (argv.length === 0) return { stdout: '', stderr: 'empty command\n', code: 2 };
    const withStdin = opts.stdin !== undefined;
    const exec = await docker.getContainer(name).exec({
      Cmd: [...argv], AttachStdout: true, AttachStderr: true, AttachStdin: withStdin, Tty: false,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    });
    const stream = await exec.start({ hijack: true, stdin: withStdin });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => {
      const p = new PassThrough();
      p.on('data', (c: Buffer) => {
        if (size + c.length <= MAX_OUTPUT) into.push(c);
        size += c.length;
      });
      return p;
    };
    docker.modem.demuxStream(stream, collect(out), collect(err));
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    // Half-closing the hijacked connection is how the daemon learns stdin is finished.
    if (withStdin) stream.end(opts.stdin);
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; void killExec(exec, 'SIGKILL'); }, opts.timeoutMs) : undefined;
    await ended;
    if (timer) clearTimeout(timer);
    const code = await exitCode(exec);
    const result: ExecResult = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code: timedOut ? 124 : code };
    // runc reports a missing program on the stream with 126/127; keep the shell's words as localExec does.
    const said = result.stdout + result.stderr;
    if ((code === 127 || code === 126) && said.includes('OCI runtime exec failed') && /executable file not found|no such file or directory/.test(said)) {
      return { stdout: '', stderr: `${argv[0]}: command not found\n`, code: 127 };
    }
    return result;
  };
}

/** A long-running command in a container with its stdout and stderr as streams; stop() signals it and waits for the end. */
export interface StreamedExec {
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves with the exit code when the command ends. */
  readonly done: Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts argv in container `name` and streams its output. */
export async function streamExec(docker: Docker, name: string, argv: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<StreamedExec> {
  const exec = await docker.getContainer(name).exec({
    Cmd: [...argv], AttachStdout: true, AttachStderr: true, Tty: false,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const done = new Promise<number>((resolve) => {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      stdout.end();
      stderr.end();
      exitCode(exec).then(resolve, () => resolve(-1));
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
  return {
    stdout, stderr, done,
    async stop(signal = 'SIGTERM') {
      await killExec(exec, signal);
      const t = setTimeout(() => void killExec(exec, 'SIGKILL'), 3000);
      await done;
      clearTimeout(t);
    },
  };
}
