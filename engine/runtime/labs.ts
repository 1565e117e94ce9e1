/**
 * The lab registry: where a real lab keeps its state, and how everything it created is found
 * again and removed — after a clean `destroy`, after a crash, or after SIGKILL mid-deploy.
 *
 * Layout. A lab's directory is `labDir(lab)`: `$PODLAB_HOME/labs/<lab>` when PODLAB_HOME is
 * set, else `/var/lib/podlab/labs/<lab>` for root (real runtimes need root, and /var/lib
 * survives the engine) and `~/.local/state/podlab/labs/<lab>` otherwise. It holds
 * `state.json` (the record) and the logs of the lab's processes.
 *
 * Record first. Every creator writes what it is about to create into the record BEFORE
 * creating it (`recordResources`), so a SIGKILL between the two leaves a name to look for,
 * never an unrecorded object. Cleanup then works from the record AND by name: every kernel
 * object carries the lab's short id (`pl` + 3 base-36 chars) as a prefix, and every process
 * carries `PODLAB_LAB=<lab>` and `PODLAB_LAB_ID=<id>` in its environment, which its children
 * inherit — so even a process the record missed is found through /proc/<pid>/environ.
 *
 * Ids. Root-namespace interface names are global and limited to 15 characters, so they
 * derive from a 5-character id, not the lab name. An id is claimed machine-wide by creating
 * `/run/podlab/ids/<id>` exclusively (tmpfs: it lives exactly as long as the kernel objects
 * it names), so two labs — even of different PODLAB_HOMEs — never share one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { localExec, type Exec } from './linux/exec.ts';
import { processAlive } from './linux/process.ts';

/** Everything a lab created that cleanup must remove. */
export interface LabState {
  readonly lab: string;
  /** Short id that prefixes every kernel object name of the lab. */
  readonly id: string;
  readonly runtime: string;
  readonly createdAt: string;
  /** Process ids started for the lab (helper, node shells, agents, tcpdump…). */
  pids: number[];
  /** Root-namespace bridges. */
  bridges: string[];
  /** Root-namespace veth ends (deleting one end deletes the pair). */
  links: string[];
  /** Named network namespaces (`ip netns`), e.g. pods'. */
  netns: string[];
  /** iptables rules as `iptables` argv after the table/chain action, e.g. ['FORWARD', '-i', 'br', …]. */
  iptables: string[][];
  /** Free-form facts a runtime wants to keep (realisation notes, node pids). */
  extra: Record<string, unknown>;
}

/** What `recordResources` adds to a lab's record. */
export interface LabResources {
  readonly pids?: readonly number[];
  readonly bridges?: readonly string[];
  readonly links?: readonly string[];
  readonly netns?: readonly string[];
  readonly iptables?: readonly (readonly string[])[];
  readonly extra?: Record<string, unknown>;
}

const LAB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const LAB_ID = /^pl[0-9a-z]{3}$/;
/** Kernel object names of any lab: `<id>` then a kind letter and an index. */
const OBJECT_NAME = /^(pl[0-9a-z]{3})[bwpt][0-9]/;
const NETNS_NAME = /^plab-(pl[0-9a-z]{3})-/;

/** True when `name` can name a lab (a directory, a process marker, an iptables comment). */
export function validLabName(name: string): boolean {
  return LAB_NAME.test(name);
}

/** True when `name` is a valid Linux interface name (what reaches `ip link`). */
export function validIfName(name: string): boolean {
  return IFNAME.test(name) && name !== '.' && name !== '..';
}

/** Throws a user-facing error unless `name` is a valid interface name. */
export function checkIfName(name: string): string {
  if (!validIfName(name)) throw new Error(`invalid interface name '${name}': 1-15 characters of A-Z a-z 0-9 _ . -`);
  return name;
}

/** Root of the registry: the directory holding every lab's directory. */
export function labsRoot(): string {
  const home = process.env.PODLAB_HOME;
  if (home) return join(home, 'labs');
  if (process.getuid?.() === 0) return '/var/lib/podlab/labs';
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'podlab', 'labs');
}

/** The directory of a lab (state file, logs). */
export function labDir(lab: string): string {
  checkLabName(lab);
  return join(labsRoot(), lab);
}

function checkLabName(lab: string): void {
  if (!validLabName(lab)) throw new Error(`invalid lab name '${lab}': 1-40 characters of A-Z a-z 0-9 _ . -, starting with a letter or digit`);
}

function stateFile(lab: string): string {
  return join(labDir(lab), 'state.json');
}

/** Machine-wide id claims (tmpfs, so they vanish with the kernel objects at reboot). */
function claimsDir(): string {
  if (process.getuid?.() === 0) return '/run/podlab/ids';
  return join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `podlab-${process.getuid?.() ?? 0}`, 'ids');
}

/** The environment every process of a lab carries (its children inherit it). */
export function labEnv(state: Pick<LabState, 'lab' | 'id'>): Record<string, string> {
  return { PODLAB_LAB: state.lab, PODLAB_LAB_ID: state.id };
}

/** The name of a pod's (or any extra) network namespace of a lab: `plab-<id>-<suffix>`. */
export function podNetnsName(id: string, suffix: string): string {
  if (!LAB_ID.test(id)) throw new Error(`invalid lab id '${id}'`);
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(suffix)) throw new Error(`invalid netns suffix '${suffix}': use A-Z a-z 0-9 _ . -`);
  return `plab-${id}-${suffix}`;
}

/** The recorded state of a lab, or undefined when there is none. */
export function readLabState(lab: string): LabState | undefined {
  const f = stateFile(lab);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as LabState;
}

/** Every lab with a record in this registry. */
export function listLabs(): string[] {
  const root = labsRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((n) => validLabName(n) && existsSync(join(root, n, 'state.json'))).sort();
}

function writeState(state: LabState): void {
  const f = stateFile(state.lab);
  // Write-then-rename: a SIGKILL mid-write must not leave a truncated record.
  const tmp = `${f}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, f);
}

interface Claim {
  readonly lab: string;
  readonly stateFile: string;
}

function readClaim(id: string): Claim | undefined {
  try {
    return JSON.parse(readFileSync(join(claimsDir(), id), 'utf8')) as Claim;
  } catch {
    return undefined;
  }
}

/** A claim is live while the record it points to exists. */
function claimIsLive(c: Claim | undefined): boolean {
  return c !== undefined && existsSync(c.stateFile);
}

function candidateId(lab: string, salt: number): string {
  const h = createHash('sha256').update(`${labsRoot()}\0${lab}\0${salt}`).digest();
  const n = h.readUInt32BE(0) % 36 ** 3;
  return `pl${n.toString(36).padStart(3, '0')}`;
}

function claimId(lab: string): string {
  const dir = claimsDir();
  mkdirSync(dir, { recursive: true });
  const me: Claim = { lab, stateFile: stateFile(lab) };
  for (let salt = 0; salt < 500; salt++) {
    const id = candidateId(lab, salt);
    const path = join(dir, id);
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return id;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const c = readClaim(id);
      if (c && c.stateFile === me.stateFile) return id;
      if (!claimIsLive(c) && !idInUse(id)) {
        writeFileSync(path, JSON.stringify(me));
        return id;
      }
    }
  }
  throw new Error(`no free lab id for '${lab}': too many labs on this machine (podlab destroy --all)`);
}

/** True when a kernel object or process still carries the id (a stale claim must not be reused then). */
function idInUse(id: string): boolean {
  return listRootLinks().some((l) => l.startsWith(id)) || markedPids(id).length > 0;
}

/**
 * Creates a lab's record (and claims its id) before anything of the lab exists.
 * Throws when the lab already has a record: destroy it first.
 */
export function createLab(lab: string, runtime: string): LabState {
  checkLabName(lab);
  if (readLabState(lab)) {
    throw new Error(`lab '${lab}' already exists (record ${stateFile(lab)}): destroy it first with 'podlab destroy ${lab}'`);
  }
  mkdirSync(labDir(lab), { recursive: true });
  const id = claimId(lab);
  const state: LabState = {
    lab, id, runtime, createdAt: new Date().toISOString(),
    pids: [], bridges: [], links: [], netns: [], iptables: [], extra: {},
  };
  writeState(state);
  return state;
}

/**
 * Adds things to a lab's record. Call it BEFORE creating them (a pid right after spawn): the
 * record is how destroyLab finds them after a crash. Other runtime code (the CNI plugin's pod
 * namespaces, agents started in nodes) calls this too.
 */
export function recordResources(lab: string, add: LabResources): LabState {
  const s = readLabState(lab);
  if (!s) throw new Error(`lab '${lab}' has no record in ${labsRoot()}`);
  for (const n of add.bridges ?? []) checkIfName(n);
  for (const n of add.links ?? []) checkIfName(n);
  const union = <T>(a: T[], b: readonly T[] | undefined): T[] => [...new Set([...a, ...(b ?? [])])];
  s.pids = union(s.pids, add.pids);
  s.bridges = union(s.bridges, add.bridges);
  s.links = union(s.links, add.links);
  s.netns = union(s.netns, add.netns);
  const rules = new Map(s.iptables.map((r) => [JSON.stringify(r), r]));
  for (const r of add.iptables ?? []) rules.set(JSON.stringify(r), [...r]);
  s.iptables = [...rules.values()];
  Object.assign(s.extra, add.extra ?? {});
  writeState(s);
  return s;
}

// ---------------------------------------------------------------------------------------
// Finding things by name.

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** True when a lab (of any registry) with this id is alive: its claim points at an existing record. */
export function labIdIsLive(id: string): boolean {
  return LAB_ID.test(id) && claimIsLive(readClaim(id));
}

function listRootLinks(): string[] {
  try {
    return readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

function listNetns(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

interface Marked {
  readonly pid: number;
  readonly lab?: string;
  readonly id?: string;
}

/** Every process (but this one) whose environment carries a podlab marker. */
function markedProcesses(): Marked[] {
  const out: Marked[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    let lab: string | undefined;
    let id: string | undefined;
    for (const v of environOf(pid)) {
      if (v.startsWith('PODLAB_LAB=')) lab = v.slice('PODLAB_LAB='.length);
      else if (v.startsWith('PODLAB_LAB_ID=')) id = v.slice('PODLAB_LAB_ID='.length);
    }
    if (lab !== undefined || id !== undefined) out.push({ pid, lab, id });
  }
  return out;
}

/**
 * Pids of a lab's processes: those carrying `PODLAB_LAB_ID=<id>`, and those carrying only
 * `PODLAB_LAB=<lab>` (started by code that knows the lab's name but not its id). With no
 * argument, every podlab process.
 */
export function markedPids(id?: string, lab?: string): number[] {
  return markedProcesses()
    .filter((m) => id === undefined || m.id === id || (m.id === undefined && lab !== undefined && m.lab === lab))
    .map((m) => m.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, a short grace, then SIGKILL; waits until they are gone. */
async function killAll(pids: readonly number[]): Promise<void> {
  const signal = (p: number, s: NodeJS.Signals) => {
    try {
      process.kill(p, s);
    } catch { /* already gone */ }
  };
  // SIGCONT first: a stopped node's processes (setNode stopped) cannot act on SIGTERM.
  for (const p of pids) { signal(p, 'SIGTERM'); signal(p, 'SIGCONT'); }
  for (let i = 0; i < 20 && pids.some(processAlive); i++) await sleep(50);
  for (const p of pids) if (processAlive(p)) signal(p, 'SIGKILL');
  for (let i = 0; i < 40 && pids.some(processAlive); i++) await sleep(25);
}

// ---------------------------------------------------------------------------------------
// Removing.

/** The iptables argv that would delete a recorded rule. */
function iptablesDelete(rule: readonly string[]): string[] {
  return ['iptables', '-w', '-D', ...rule];
}

/** Deletes every iptables rule whose comment names the lab id (`podlab:<id>:…`), or any podlab rule. */
async function removeTaggedRules(exec: Exec, id: string | undefined, keep: (id: string) => boolean): Promise<void> {
  for (const table of ['filter', 'nat', 'mangle', 'raw']) {
    const r = await exec(['iptables', '-w', '-t', table, '-S']);
    if (r.code !== 0) continue;
    for (const line of r.stdout.split('\n')) {
      const m = /--comment "?podlab:(pl[0-9a-z]{3}):/.exec(line);
      if (!m || !line.startsWith('-A ')) continue;
      if (id !== undefined ? m[1] !== id : keep(m[1]!)) continue;
      await exec(['iptables', '-w', '-t', table, '-D', ...splitRule(line.slice(3))]);
    }
  }
}

/** Splits an `iptables -S` rule line into argv (it quotes only comments). */
function splitRule(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/** Removes the kernel objects and processes of one id (record entries plus name matches). */
async function removeById(id: string, state: LabState | undefined, exec: Exec): Promise<void> {
  await removeContainersOf(id, state);
  // A recorded pid is only ours while it still carries the marker (pids are reused).
  const ours = (p: number) => environOf(p).some((v) => v === `PODLAB_LAB_ID=${id}` || (state !== undefined && v === `PODLAB_LAB=${state.lab}`));
  const recorded = (state?.pids ?? []).filter(ours);
  await killAll([...new Set([...recorded, ...markedPids(id, state?.lab)])]);
  // A process may have forked while we killed its parent; one more sweep catches it.
  await killAll(markedPids(id, state?.lab));
  const netns = new Set([...(state?.netns ?? []), ...listNetns().filter((n) => NETNS_NAME.exec(n)?.[1] === id)]);
  for (const n of netns) await exec(['ip', 'netns', 'del', n]);
  // Veths first (deleting one end removes its peer), then bridges.
  const names = new Set([...(state?.links ?? []), ...(state?.bridges ?? []), ...listRootLinks().filter((l) => OBJECT_NAME.exec(l)?.[1] === id)]);
  const present = new Set(listRootLinks());
  for (const n of names) if (present.has(n) && validIfName(n)) await exec(['ip', 'link', 'del', n]);
  for (const rule of state?.iptables ?? []) {
    // Deleting a rule that is already gone just fails; loop in case it was inserted twice.
    for (let i = 0; i < 5; i++) if ((await exec(iptablesDelete(rule))).code !== 0) break;
  }
  await removeTaggedRules(exec, id, () => false);
  // Link loss without netem lives in an nftables netdev table named after the lab.
  await exec(['nft', 'delete', 'table', 'netdev', `podlab_${id}`]);
}

/**
 * The Docker runtime's containers of a lab: by the id label, or by `podlab.lab` + the
 * `clab-<lab>-` name when no other live lab claims their id. Loaded lazily so cleanup on a
 * machine without Docker never touches dockerd.
 */
async function removeContainersOf(id: string, state: LabState | undefined): Promise<void> {
  const { removeLabContainers, removeLabNetworks } = await import('./docker/cleanup.ts');
  await removeLabContainers((c) => {
    const cid = c.labels['podlab.lab-id'];
    if (cid === id) return true;
    return state !== undefined && c.labels['podlab.lab'] === state.lab && c.name.startsWith(`clab-${state.lab}-`) && !(cid !== undefined && labIdIsLive(cid));
  });
  // Then its management network (containerlab's mgmt), which Docker removes only once empty.
  await removeLabNetworks(id);
}

/** Lab ids of podlab's Docker containers (their lab may have no record left). */
async function containerIds(): Promise<string[]> {
  const { containerLabIds } = await import('./docker/cleanup.ts');
  return (await containerLabIds()).filter((id) => LAB_ID.test(id));
}

/** Removes everything lab `lab` created (from its record and by name) and then the record. */
export async function destroyLab(lab: string, exec: Exec = localExec): Promise<void> {
  checkLabName(lab);
  const state = readLabState(lab);
  if (state) {
    await removeById(state.id, state, exec);
    releaseClaim(state.id, lab);
  }
  rmSync(labDir(lab), { recursive: true, force: true });
}

function releaseClaim(id: string, lab: string): void {
  const c = readClaim(id);
  if (c && c.stateFile === stateFile(lab)) rmSync(join(claimsDir(), id), { force: true });
}

/**
 * Removes every lab of this registry, then any podlab leftover found by name (interfaces,
 * netns, marked processes, tagged iptables rules) that no other registry's live lab owns.
 * Returns the labs and orphan ids it removed.
 */
export async function destroyAll(exec: Exec = localExec): Promise<{ labs: string[]; orphans: string[] }> {
  const labs = listLabs();
  for (const l of labs) await destroyLab(l, exec);
  const ids = new Set<string>();
  for (const l of listRootLinks()) { const m = OBJECT_NAME.exec(l); if (m) ids.add(m[1]!); }
  for (const n of listNetns()) { const m = NETNS_NAME.exec(n); if (m) ids.add(m[1]!); }
  const marked = markedProcesses();
  for (const m of marked) if (m.id && LAB_ID.test(m.id)) ids.add(m.id);
  for (const id of await containerIds()) ids.add(id);
  // A live lab of another PODLAB_HOME holds a claim pointing at its existing record: leave it.
  const ownedElsewhere = (id: string) => claimIsLive(readClaim(id));
  const orphans = [...ids].filter((id) => !ownedElsewhere(id)).sort();
  for (const id of orphans) {
    await removeById(id, undefined, exec);
    rmSync(join(claimsDir(), id), { force: true });
  }
  // Processes marked with a lab name only (no id) were removed with their lab's record above;
  // without a record they may belong to a lab of another registry, so they are left alone.
  await removeTaggedRules(exec, undefined, ownedElsewhere);
  // Claims whose record is gone name nothing any more.
  for (const id of safeReaddir(claimsDir())) if (LAB_ID.test(id) && !claimIsLive(readClaim(id))) rmSync(join(claimsDir(), id), { force: true });
  return { labs, orphans };
}
