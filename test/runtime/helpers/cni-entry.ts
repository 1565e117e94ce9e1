/**
 * Test helper: the CNI plugin binary until `podlab cni` is wired into main.ts. Runs
 * cniCommand on this process's CNI_* env and stdin, exactly as the CLI will.
 */
import { cniCommand } from '../../../engine/cli/cni.ts';

process.exitCode = await cniCommand(process.argv.slice(2));
