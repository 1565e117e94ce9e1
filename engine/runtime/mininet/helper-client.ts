/**
 * The engine's end of mininet-helper.py: starts it with Debian's Python (the only one Mininet
 * imports from), sends one JSON request per line and matches responses by id.
 *
 * The helper carries the lab's marker in its environment (so do the node shells it starts),
 * and tears the lab down by itself when our end of its stdin closes — which is also what
 * happens when the engine dies, however it dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** Debian's python3: Mininet 2.3.0's package imports only there (not from a pyenv on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
/** The helper program next to this module. */
export const HELPER_PATH = join(dirname(fileURLToPath(import.meta.url)), 'mininet-helper.py');

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  op: string;
}

/** A running helper. */
export class HelperClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | undefined;
  private readonly exitPromise: Promise<void>;

  private constructor(readonly child: ChildProcess, private readonly ready: Promise<void>) {
    this.exitPromise = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts the helper with the lab's marker env; stderr goes to `logFile`, progress lines to `onProgress`. */
  static async start(opts: { env: Record<string, string>; logFile: string; onProgress?: (msg: string) => void; onSpawn?: (pid: number) => void }): Promise<HelperClient> {
    const child = spawn(SYSTEM_PYTHON, [HELPER_PATH], {
      env: { ...process.env, ...opts.env, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    const ready = new Promise<void>((res, rej) => { readyResolve = res; readyReject = rej; });
    const client = new HelperClient(child, ready);
    const stderrTail: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      appendFileSync(opts.logFile, `${line}\n`);
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      if (line.startsWith('progress: ')) opts.onProgress?.(line.slice('progress: '.length));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: { id?: number; ok?: boolean; result?: unknown; error?: string };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.id === 0) return readyResolve();
      const p = msg.id !== undefined ? client.pending.get(msg.id) : undefined;
      if (!p) return;
      client.pending.delete(msg.id!);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`mininet helper ${p.op}: ${msg.error ?? 'failed'}`));
    });
    child.on('error', (e) => readyReject(new Error(`cannot start ${SYSTEM_PYTHON} ${HELPER_PATH}: ${e.message} (install Debian's mininet package)`)));
    child.on('exit', (code, signal) => {
      const tail = stderrTail.filter((l) => !l.startsWith('progress: ')).slice(-5).join(' | ');
      client.exited = new Error(`mininet helper exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`);
      readyReject(client.exited);
      for (const p of client.pending.values()) p.reject(client.exited);
      client.pending.clear();
    });
    await ready;
    return client;
  }

  /** Sends one request and waits for its response. */
  request<T = unknown>(op: string, body: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, op });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...body })}\n`);
    });
  }

  /** Asks the helper to tear down and exit; kills it if it does not within `ms`. */
  async stop(ms = 15000): Promise<void> {
    if (!this.exited) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
      await this.request('stop').catch(() => undefined);
      this.child.stdin!.end();
      await this.exitPromise;
      clearTimeout(timer);
    }
  }
}
