/**
 * Facts about processes on this machine, by pid.
 */

/** True when a process with this pid exists and may be signalled by us (signal 0 probes without sending). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
