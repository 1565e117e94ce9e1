/**
 * A capture with the real tcpdump, however it runs (a child of ours, or an exec in a
 * container): tcpdump writes a pcap stream to stdout, parsed as it arrives (PcapStream), and
 * says "listening on" on stderr once it captures — the moment a capture may be trusted.
 */
import type { ChildProcess } from 'node:child_process';
import { PcapStream } from '../mininet/pcap-stream.ts';

/** A running tcpdump: its output, its end (with the exit code when known), and how to stop it. */
export interface RunningTcpdump {
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  readonly done: Promise<number | null>;
  stop(): Promise<void>;
}

/** A captured frame: capture time (ms since the epoch) and its bytes from the link layer on. */
export type CapturedFrame = { tsMs: number; data: Uint8Array };

/** tcpdump's argv writing every frame of `dev` to stdout as a pcap stream, each flushed as it comes; refuses a name that is no interface name. */
export function tcpdumpArgv(dev: string): string[] {
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(dev)) throw new Error(`invalid interface name '${dev}'`);
  return ['tcpdump', '-i', dev, '-U', '--immediate-mode', '-n', '-s', '262144', '-w', '-'];
}

/** A tcpdump started as our child process (stdout and stderr piped); stop() sends SIGTERM and waits for its exit. */
export function childTcpdump(child: ChildProcess): RunningTcpdump {
  const done = new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
  return {
    stdout: child.stdout!,
    stderr: child.stderr!,
    done,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await done;
    },
  };
}

/**
 * Streams tcpdump's frames to `onPacket`; resolves once it listens (rejects when it exits
 * first or does not listen within 10 s). The returned function stops it, and throws when the
 * stream was malformed. `where` (`node:iface`) names the capture in errors.
 */
export async function streamTcpdump(t: RunningTcpdump, where: string, onPacket: (p: CapturedFrame) => void): Promise<() => Promise<void>> {
  const stream = new PcapStream();
  let failure: Error | undefined;
  t.stdout.on('data', (chunk: Buffer) => {
    if (failure) return;
    try {
      for (const r of stream.push(new Uint8Array(chunk))) onPacket({ tsMs: r.tsMs, data: r.data });
    } catch (e) {
      failure = e as Error;
    }
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump on ${where} did not start within 10 s: ${stderr.trim()}`)), 10000);
    t.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void t.done.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump on ${where} exited (code ${code}): ${stderr.trim()}`));
    });
  });
  return async () => {
    await t.stop();
    if (failure) throw new Error(`capture on ${where}: ${failure.message}`);
  };
}
