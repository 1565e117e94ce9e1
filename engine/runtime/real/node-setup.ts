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

/** Runs each node's setup commands through `exec(node)`, appending to `records`; throws `fail(message)` at the first failure. */
export async function runSetupCommands(
  topology: Topology,
  nodes: readonly TopoNode[],
  exec: (node: string) => Exec,
  records: SetupRecord[],
  progress: (msg: string) => void,
  fail: (msg: string) => Error,
): Promise<void> {
  for (const n of nodes) {
    progress(`setting up ${n.name}`);
    const run = exec(n.name);
    for (const c of setupCommands(topology, n)) {
      const result = await run(c.argv);
      records.push({ node: n.name, argv: c.argv, result });
      if (result.code !== 0) throw fail(`${n.name}: setup command '${c.argv.join(' ')}' failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
    }
  }
}
