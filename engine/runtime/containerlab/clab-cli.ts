/**
 * The containerlab CLI, when a user has it: `--runtime containerlab` then deploys and destroys
 * through it — the generated `<lab>.clab.yml` (the same file `podlab generate containerlab`
 * writes), `containerlab deploy -t F`, `containerlab destroy -t F --cleanup` — instead of
 * podlab's own Docker deployer. Pure parts here (finding the binary on PATH, the argv), the
 * run at the edge (execFile, never a shell). containerlab is not installable on podlab's CI
 * machine, so this path is exercised by unit tests of these parts only.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where a `containerlab` binary is on `pathEnv` (the first executable one), or undefined. `isExecutable` is injectable for tests. */
export function findContainerlab(pathEnv: string | undefined = process.env.PATH, isExecutable: (p: string) => boolean = executableFile): string | undefined {
  for (const dir of (pathEnv ?? '').split(':')) {
    if (!dir.startsWith('/')) continue; // a relative PATH entry depends on the cwd: never trusted
    const p = join(dir, 'containerlab');
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function executableFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** A topology file path containerlab can take: absolute, ending in .clab.yml/.clab.yaml. Throws otherwise. */
function checkTopoFile(file: string): string {
  if (!file.startsWith('/') || !/\.clab\.ya?ml$/.test(file)) throw new Error(`'${file}' is not an absolute path to a .clab.yml file`);
  return file;
}

/** argv deploying a lab: `containerlab deploy -t FILE` (`--reconfigure` when a previous run's lab directory must be replaced). */
export function deployArgv(bin: string, file: string, o: { reconfigure?: boolean } = {}): string[] {
  return [bin, 'deploy', '-t', checkTopoFile(file), ...(o.reconfigure ? ['--reconfigure'] : [])];
}

/** argv destroying a lab and its lab directory: `containerlab destroy -t FILE --cleanup`. */
export function destroyArgv(bin: string, file: string): string[] {
  return [bin, 'destroy', '-t', checkTopoFile(file), '--cleanup'];
}

/** Runs a containerlab argv; resolves with its output, rejects with its last stderr line (what containerlab says went wrong). */
export function runContainerlab(argv: readonly string[], o: { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: o.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const last = stderr.trim().split('\n').at(-1) ?? err.message;
      reject(new Error(`${argv.slice(0, 2).join(' ')} failed: ${last}`));
    });
  });
}
