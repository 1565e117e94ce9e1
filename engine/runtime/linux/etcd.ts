/**
 * The etcd of one real lab: Debian's etcd 3.4 with its data under `<dir>/etcd/`, listening
 * on UNIX sockets only. A socket is a file, so every node's network namespace (a Mininet
 * host shares the engine's filesystem) reaches the same etcd without any route, and nothing
 * of the lab listens on TCP where it could clash with another lab or a real cluster.
 *
 * etcd 3.4 names a unix listener after the URL's host part and creates it relative to its
 * working directory (`unix://etcd:2379` → `./etcd:2379`), so it runs with cwd = the lab dir
 * and clients connect to `unix://<abs dir>/etcd:2379`.
 *
 * The process carries `PODLAB_LAB=<lab>` in its environment and its pid in `<dir>/etcd.pid`,
 * so `podlab destroy` finds it even after the engine died by SIGKILL.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { processAlive as alive } from './process.ts';
import { EtcdDatastore } from '../../calico/datastore/etcd.ts';

/** A running lab etcd. */
export interface LabEtcd {
  /** Client URL for EtcdDatastore / netconf `etcd_endpoints`: `unix:///abs/dir/etcd:2379`. */
  readonly endpoint: string;
  readonly pid: number;
  /** Where etcd writes its log (`<dir>/etcd.log`). */
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after a grace period; removes the pid file and the sockets. */
  stop(): Promise<void>;
}

/** Options of startLabEtcd. */
export interface LabEtcdOptions {
  /** The lab's name, put in the process environment as PODLAB_LAB (default: the dir's base name). */
  readonly lab?: string;
  /** Progress lines for the user ("starting etcd…", "etcd ready on …"). */
  readonly onProgress?: (msg: string) => void;
  /** How long to wait for a first successful read (default 20 s). */
  readonly timeoutMs?: number;
}

/** The client socket's file name inside the lab dir. */
export const ETCD_CLIENT_SOCKET = 'etcd:2379';
/** The peer socket's file name inside the lab dir (a single member never dials it, but etcd needs one). */
export const ETCD_PEER_SOCKET = 'etcd-peer:2380';

/** sun_path holds 108 bytes with the NUL: a longer socket path cannot be connected to. */
const MAX_SOCKET_PATH = 107;
const LAB_NAME = /^[a-z0-9]([a-z0-9._-]{0,62})$/;

/** The unix endpoint of the etcd of the lab in `dir` (absolute). */
export function labEtcdEndpoint(dir: string): string {
  return `unix://${join(resolve(dir), ETCD_CLIENT_SOCKET)}`;
}

/** The argv that runs etcd for lab `lab` (relative socket names: cwd must be the lab dir). */
export function labEtcdArgv(dir: string, lab: string): string[] {
  const name = `podlab-${lab}`;
  const client = `unix://${ETCD_CLIENT_SOCKET}`;
  const peer = `unix://${ETCD_PEER_SOCKET}`;
  return [
    'etcd', '--name', name, '--data-dir', join(resolve(dir), 'etcd'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${name}=${peer}`, '--initial-cluster-state', 'new',
    '--log-level', 'warn',
  ];
}

/** A previous etcd of this dir that is still running (its cwd is the dir), if any. */
function runningEtcd(dir: string): number | undefined {
  const pidFile = join(dir, 'etcd.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dir ? pid : undefined;
  } catch {
    return undefined;
  }
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One read through the datastore client, bounded in time (a dead socket must not hang us). */
async function probe(endpoint: string): Promise<boolean> {
  const ds = new EtcdDatastore({ endpoints: [endpoint], client: { dialTimeout: 1000 } });
  try {
    const ok = ds.get('/podlab/health').then(() => true, () => false);
    return await Promise.race([ok, sleep(2000).then(() => false)]);
  } finally {
    await ds.close().catch(() => undefined);
  }
}

/** Starts the lab's etcd in `dir` and resolves once a read through EtcdDatastore succeeds. */
export async function startLabEtcd(dir: string, opts: LabEtcdOptions = {}): Promise<LabEtcd> {
  const abs = resolve(dir);
  const lab = opts.lab ?? abs.split('/').pop() ?? '';
  if (!LAB_NAME.test(lab)) throw new Error(`lab name '${lab}' is not usable for etcd: lowercase letters, digits, '.', '_' and '-', at most 63 characters`);
  const endpoint = labEtcdEndpoint(abs);
  const socketPath = endpoint.slice('unix://'.length);
  if (socketPath.length > MAX_SOCKET_PATH) {
    throw new Error(`etcd socket path ${socketPath} is ${socketPath.length} characters long (unix sockets allow ${MAX_SOCKET_PATH}): use a shorter lab directory`);
  }
  mkdirSync(abs, { recursive: true });
  const other = runningEtcd(abs);
  if (other !== undefined) throw new Error(`etcd of lab '${lab}' is already running (pid ${other}, dir ${abs}): destroy the lab first (podlab destroy ${lab})`);
  // Sockets left by a killed etcd make its listen fail with "address already in use".
  for (const s of [ETCD_CLIENT_SOCKET, ETCD_PEER_SOCKET]) rmSync(join(abs, s), { force: true });

  const logFile = join(abs, 'etcd.log');
  const pidFile = join(abs, 'etcd.pid');
  const env: Record<string, string> = {};
  // ETCD_* variables configure etcd too; a stray one from the user's shell must not change the lab's.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('ETCD_')) env[k] = v;
  env.PODLAB_LAB = lab;
  opts.onProgress?.(`starting etcd for lab ${lab} (data ${join(abs, 'etcd')}, log ${logFile})`);
  const logFd = openSync(logFile, 'a');
  const [prog, ...args] = labEtcdArgv(abs, lab);
  // Its own process group: a Ctrl-C aimed at the engine must not take etcd down before the
  // agents that use it have been stopped; destroy ends it by pid.
  const child = spawn(prog!, args, { cwd: abs, env, stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  let exited = false;
  const exit = new Promise<void>((res) => {
    child.once('exit', () => { exited = true; res(); });
    child.once('error', () => { exited = true; res(); });
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exit;
    throw new Error(`could not start etcd (is the etcd-server package installed?); see ${logFile}`);
  }
  writeFileSync(pidFile, `${pid}\n`);

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5000);
      await exit;
      clearTimeout(timer);
    }
    for (const f of [pidFile, join(abs, ETCD_CLIENT_SOCKET), join(abs, ETCD_PEER_SOCKET)]) rmSync(f, { force: true });
  };

  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`etcd of lab '${lab}' exited during startup; its log ${logFile} ends:\n${logTail(logFile)}`);
    }
    if (existsSync(socketPath) && (await probe(endpoint))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd of lab '${lab}' did not answer on ${endpoint} within ${timeoutMs / 1000} s; its log ${logFile} ends:\n${logTail(logFile)}`);
    }
    await sleep(100);
  }
  opts.onProgress?.(`etcd ready on ${endpoint} (pid ${pid})`);
  return { endpoint, pid, logFile, stop };
}
