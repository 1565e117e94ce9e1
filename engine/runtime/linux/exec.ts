/**
 * How real-runtime code runs a program: argv (never a shell string), optional stdin, the
 * result as text. Everything that touches a real kernel (the Linux dataplane driver, the
 * CNI plugin, BIRD control) takes an `Exec`, so the same code runs inside a node's namespace
 * (the agent, where `localExec` is right), from the engine through `nsenter`, or in a test's
 * scratch namespace.
 */
import { execFile } from 'node:child_process';

/** A finished command. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs argv somewhere; never throws for a non-zero exit (the code says it). */
export type Exec = (argv: readonly string[], opts?: { readonly stdin?: string; readonly timeoutMs?: number }) => Promise<ExecResult>;

/** Output beyond this is cut: a runaway command must not exhaust the engine's memory. */
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs argv in this process's own namespaces. A missing program is exit 127 with the shell's words. */
export const localExec: Exec = (argv, opts = {}) =>
  new Promise((resolve) => {
    const [prog, ...args] = argv;
    if (!prog) {
      resolve({ stdout: '', stderr: 'empty command\n', code: 2 });
      return;
    }
    const child = execFile(prog, args, { encoding: 'utf8', maxBuffer: MAX_OUTPUT, timeout: opts.timeoutMs ?? 0 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr, code: 0 });
      const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ stdout: '', stderr: `${prog}: command not found\n`, code: 127 });
      const code = typeof e.code === 'number' ? e.code : e.killed ? 124 : 1;
      // A program that exited with a status said what it had to say (`curl -s` says nothing);
      // only a kill or a spawn failure needs Node's own words.
      resolve({ stdout: stdout ?? '', stderr: typeof e.code === 'number' ? stderr : stderr || `${e.message}\n`, code });
    });
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    else child.stdin?.end();
  });

/**
 * An Exec that runs every argv inside the network namespace of process `pid`. Only the
 * network namespace: a Mininet host also has a mount namespace of its own, in which network
 * namespaces created later under /run/netns (pods') are not bind mounts and cannot be entered.
 */
export function pidExec(pid: number, base: Exec = localExec): Exec {
  return (argv, opts) => base(['nsenter', `--target=${pid}`, '--net', '--', ...argv], opts);
}

/** An Exec that runs every argv inside the named network namespace (`ip netns exec NAME …`). */
export function netnsExec(name: string, base: Exec = localExec): Exec {
  return (argv, opts) => base(['ip', 'netns', 'exec', name, ...argv], opts);
}

/** Throws with the command and its stderr when it failed (for steps that must succeed). */
export async function mustRun(exec: Exec, argv: readonly string[], opts?: { readonly stdin?: string }): Promise<string> {
  const r = await exec(argv, opts);
  if (r.code !== 0) throw new Error(`'${argv.join(' ')}' failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}
