/**
 * Real BIRD on a real node: find an installed BIRD (1.6 as Calico ships it, or 2.x), build
 * the argv that starts it inside a node's namespace, and drive it over its control socket
 * with birdc/birdcl through the Exec seam.
 *
 * What was checked against the binaries (BIRD 1.6.8 unpacked from Debian's .deb, 2.0.12):
 * - Both take explicit `-c CONFIG -s SOCKET -P PIDFILE` and run from any directory, so every
 *   node's files live in a per-node directory the caller chooses; nothing touches /run/bird.
 * - The control socket is a path: birdc reaches it from any network namespace.
 * - `-f` keeps BIRD in the foreground (the caller owns the process and its pid). BIRD 2 writes
 *   its log to `-D FILE`; BIRD 1.6 writes only debug messages there, its log goes to stderr.
 * - birdc 1.6 exits 0 even when `configure` fails; birdcl 2 exits 1. Both print BIRD's message
 *   (`FILE:LINE:COL syntax error…`), so success is read from the text, not the exit code.
 * - Debian's BIRD 1.6 package has no birdcl; its birdc works without a terminal when the
 *   command is given as arguments.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseShowProtocols } from '../../calico/confd/node-status.ts';
import type { ShowProtocolsRow } from '../../calico/confd/node-status.ts';
import type { Exec } from './exec.ts';

/** One usable BIRD: its dialect and the paths of its three programs. */
export interface BirdInstall {
  readonly dialect: 'bird1' | 'bird2';
  readonly bird: string;
  readonly birdc: string;
  /** The non-readline client (birdc itself where the package has no birdcl, as Debian's 1.6). */
  readonly birdcl: string;
  /** BIRD's own version, e.g. `1.6.8` (for Calico's fork, the BIRD it is based on). */
  readonly version: string;
  /** Calico's fork (`BIRD version v0.3.3+birdv1.6.8`), which knows krt_tunnel: render confd's files with calicoFork. */
  readonly calicoFork?: boolean;
}

/** Where BIRD 1.6 may be unpacked (tests and images put Debian's `bird` package there). */
const BIRD16_DIRS = () => [process.env.PODLAB_BIRD16, '/tmp/podlab-bird16/root/usr/sbin'].filter((d): d is string => !!d);

function probe(dir: string): BirdInstall | undefined {
  const bird = join(dir, 'bird');
  const birdc = join(dir, 'birdc');
  if (!existsSync(bird) || !existsSync(birdc)) return undefined;
  const r = spawnSync(bird, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  // Calico's fork names its own version first: `BIRD version v0.3.3+birdv1.6.8`.
  const fork = /BIRD version v\S*\+birdv(\d+)\.(\S+)/.exec(text);
  const m = fork ?? /BIRD version (\d+)\.(\S+)/.exec(text);
  if (!m) return undefined;
  const major = Number(m[1]);
  if (major !== 1 && major !== 2) return undefined; // BIRD 3 speaks the 2 dialect, but is untested here
  const birdcl = existsSync(join(dir, 'birdcl')) ? join(dir, 'birdcl') : birdc;
  return { dialect: major === 1 ? 'bird1' : 'bird2', bird, birdc, birdcl, version: `${m[1]}.${m[2]}`, ...(fork ? { calicoFork: true } : {}) };
}

/**
 * Finds BIRD: 1.6 from $PODLAB_BIRD16 or /tmp/podlab-bird16/root/usr/sbin, and whatever
 * /usr/sbin/bird is (2.x on Debian 12). `prefer` picks when both exist (default bird1, what
 * Calico ships); the other is returned when the preferred one is missing.
 */
export function findBird(prefer: 'bird1' | 'bird2' = 'bird1'): BirdInstall | undefined {
  const found = [...BIRD16_DIRS(), '/usr/sbin', '/usr/local/sbin'].map(probe).filter((x): x is BirdInstall => !!x);
  return found.find((b) => b.dialect === prefer) ?? found[0];
}

/** Where one BIRD instance keeps its files (all inside the caller's per-node directory). */
export interface BirdRunPaths {
  readonly config: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly logFile?: string;
}

/**
 * argv that runs BIRD in the FOREGROUND (`-f`): the caller spawns it (inside the node's
 * namespace, e.g. behind `ip netns exec`), owns its pid and stops it with SIGTERM, on which
 * BIRD removes its kernel routes unless the config says `persist`.
 */
export function birdArgv(install: BirdInstall, p: BirdRunPaths): string[] {
  return [install.bird, '-f', '-c', p.config, '-s', p.socket, '-P', p.pidFile, ...(p.logFile ? ['-D', p.logFile] : [])];
}

/** argv of one control command (`show protocols`, `configure`, …) on `socket`. */
export function birdcArgv(install: BirdInstall, socket: string, command: readonly string[]): string[] {
  return [install.birdcl, '-s', socket, ...command];
}

/** BIRD's reply without the greeting line. */
function reply(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && !/^BIRD .* ready\.$/.test(l));
}

async function control(exec: Exec, install: BirdInstall, socket: string, command: readonly string[]): Promise<string[]> {
  const r = await exec(birdcArgv(install, socket, command), { timeoutMs: 10_000 });
  const lines = reply(`${r.stdout}\n${r.stderr}`);
  // An unreachable socket is the one failure both clients report with a non-zero exit.
  if (lines.some((l) => /Unable to connect to server control socket/.test(l)) || (r.code !== 0 && lines.length === 0)) {
    throw new Error(`BIRD at ${socket}: ${lines.join(' ') || `${install.birdcl} exited ${r.code}`}`);
  }
  return lines;
}

/** `configure`: BIRD re-reads its config file; throws with BIRD's message when the file is refused. */
export async function birdConfigure(exec: Exec, install: BirdInstall, socket: string): Promise<void> {
  const lines = await control(exec, install, socket, ['configure']);
  const ok = lines.some((l) => /^(Reconfigured|Reconfiguration in progress|Reconfiguration already in progress|Nothing to do)/.test(l));
  if (!ok) throw new Error(`BIRD refused its configuration: ${lines.filter((l) => !/^Reading configuration from/.test(l)).join('; ')}`);
}

/**
 * `show protocols` as rows, for either dialect. Both print one whitespace-separated row per
 * protocol under a header (1.6: `name proto table state since info`, 2: the same words
 * capitalised, table `---` or `master4`, since `12:17:55.369`), which parseShowProtocols reads.
 */
export async function birdProtocols(exec: Exec, install: BirdInstall, socket: string): Promise<ShowProtocolsRow[]> {
  return parseShowProtocols((await control(exec, install, socket, ['show', 'protocols'])).join('\n'));
}
