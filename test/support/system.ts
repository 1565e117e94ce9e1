/**
 * Gates for suites that need something outside Node: a system command, root, a kernel module.
 *
 * On a user's laptop a missing dependency skips the suite with one line saying what to
 * install. Under CI=true it fails instead, because CI installs everything `.ci/run` lists and
 * a silent skip there would hide a broken pipeline. Kernel features this machine's kernel
 * lacks (ipip, 8021q) are different: they are detected and skipped everywhere, with a message
 * naming the missing module, because no package can add them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const inCI = process.env.CI === 'true';

function commandExists(cmd: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/usr/lib/frr']);
  return dirs.some((d) => existsSync(`${d}/${cmd}`));
}

function missing(what: string, hint: string): false {
  const msg = `missing ${what}: ${hint}`;
  if (inCI) throw new Error(`${msg} (CI=true: .ci/run must install it)`);
  process.stderr.write(`skipping suite — ${msg}\n`);
  return false;
}

/** True when every command is on PATH; otherwise skips (laptop) or throws (CI). */
export function haveCommands(...cmds: string[]): boolean {
  for (const c of cmds) {
    if (!commandExists(c)) return missing(`command '${c}'`, `install the Debian package that provides it (see .ci/run)`);
  }
  return true;
}

/** True when running as root (network namespaces, veth); otherwise skips or throws. */
export function haveRoot(): boolean {
  if (process.getuid?.() === 0) return true;
  return missing('root privileges', 'run the real-kernel suites as root (sudo npm test)');
}

/**
 * True when the kernel can create a device of this link kind (probed by creating and
 * deleting one in a scratch namespace). Never fails CI: a kernel without the module skips
 * with a message naming it.
 */
export function haveLinkKind(kind: 'ipip' | 'vlan' | 'vxlan'): boolean {
  const ns = `podlab-probe-${process.pid}`;
  const module = kind === 'vlan' ? '8021q' : kind;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['-n', ns, 'link', 'add', 'probed0', 'type', 'veth', 'peer', 'name', 'probed1'], { stdio: 'ignore' });
    const args = kind === 'ipip' ? ['link', 'add', 'probe0', 'type', 'ipip', 'remote', '192.0.2.1']
      : kind === 'vlan' ? ['link', 'add', 'link', 'probed0', 'name', 'probe0', 'type', 'vlan', 'id', '10']
      : ['link', 'add', 'probe0', 'type', 'vxlan', 'id', '1', 'dstport', '4789'];
    execFileSync('ip', ['-n', ns, ...args], { stdio: 'ignore' });
    return true;
  } catch {
    process.stderr.write(`skipping: this kernel has no '${module}' module (${kind} devices); the simulator covers it\n`);
    return false;
  } finally {
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* already gone */ }
  }
}

/** True when Debian's Mininet imports (from /usr/bin/python3); otherwise skips or throws. */
export function haveMininet(): boolean {
  if (existsSync('/usr/lib/python3/dist-packages/mininet/net.py')) return true;
  return missing('Mininet', 'apt-get install mininet');
}

/** True when BIRD 2 is installed (real-node Calico runs it on routers, and BIRD 1.6 or 2 on nodes). */
export function haveBird(): boolean {
  if (existsSync('/usr/sbin/bird')) return true;
  return missing('BIRD', 'apt-get install bird2');
}

/** True when dockerd answers on its socket; otherwise skips or throws. */
export function haveDocker(): boolean {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 15_000 });
    return true;
  } catch (err) {
    return missing('a running Docker daemon', `apt-get install docker.io and start dockerd (${String((err as Error).message).split('\n')[0]})`);
  }
}

