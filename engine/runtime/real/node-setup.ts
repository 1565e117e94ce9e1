/**
 * A real lab's last deploy step: every node runs the setup commands setup-commands.ts derives
 * from the topology (addresses, routes, sysctls, VLANs), in order, each one recorded as it ran
 * so a report can show them; the first that fails stops the deployment.
 */
import type { Topology, TopoNode } from '../../model/types.ts';
import type { Exec, ExecResult } from '../linux/exec.ts';
import { setupCommands } from '../setup-commands.ts';

/** A setup command as it ran on a node. */
export interface SetupRecord {
  readonly node: string;
  readonly argv: readonly string[];
  readonly result: ExecResult;
}

/**
 * Runs each node's setup commands through `exec(node)`, appending to `records`; throws
 * `fail(message)` at the first failure. `commandsOf` gives a node's commands (default: the
 * topology's setup commands; the Docker runtime passes the containerlab plan's boot steps).
 */
export async function runSetupCommands(
  topology: Topology,
  nodes: readonly TopoNode[],
  exec: (node: string) => Exec,
  records: SetupRecord[],
  progress: (msg: string) => void,
  fail: (msg: string) => Error,
  commandsOf: (n: TopoNode) => readonly (readonly string[])[] = (n) => setupCommands(topology, n).map((c) => c.argv),
): Promise<void> {
  for (const n of nodes) {
    progress(`setting up ${n.name}`);
    const run = exec(n.name);
    for (const argv of commandsOf(n)) {
      const result = await run(argv);
      records.push({ node: n.name, argv, result });
      if (result.code !== 0) throw fail(`${n.name}: setup command '${argv.join(' ')}' failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
    }
  }
}
