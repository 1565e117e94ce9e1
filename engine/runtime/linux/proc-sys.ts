/**
 * Sysctls through /proc/sys, as Felix reads and writes them (writeProcSys): no process per
 * key. /proc/sys/net shows the network namespace of the process that opens it, so this is
 * right only where the driver runs in the node's own namespace — the agent with its local
 * Exec. A driver reaching a node through `ip netns exec`/`nsenter` keeps `sysctl`.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** How the driver reads and writes sysctls when it does not run `sysctl`. */
export interface SysctlAccess {
  /** The values of `keys`; a key the kernel does not have (a device gone) is absent, as with `sysctl -e`. */
  read(keys: readonly string[]): Promise<Record<string, string>>;
  /** Writes each key's value in order; throws naming the first key that failed. */
  write(entries: readonly (readonly [string, string])[]): Promise<void>;
}

/**
 * The file of a sysctl key: dots separate the levels, and a `/` inside a level stands for a dot
 * of a device name (`net.ipv4.conf.vxlan/calico.rp_filter`), as sysctl(8) writes it.
 */
export function sysctlPath(key: string, root = '/proc/sys'): string {
  return `${root}/${key.split('.').map((part) => part.replaceAll('/', '.')).join('/')}`;
}

/** Sysctls of this process's own network namespace through `root` (/proc/sys). */
export function procSysAccess(root = '/proc/sys'): SysctlAccess {
  return {
    async read(keys) {
      const out: Record<string, string> = {};
      await Promise.all(keys.map(async (key) => {
        try {
          out[key] = (await readFile(sysctlPath(key, root), 'utf8')).trim();
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`sysctl ${key}: ${(e as Error).message}`);
        }
      }));
      return out;
    },
    async write(entries) {
      for (const [key, value] of entries) {
        try {
          await writeFile(sysctlPath(key, root), value);
        } catch (e) {
          throw new Error(`sysctl -w ${key}=${value}: ${(e as Error).message}`);
        }
      }
    },
  };
}
