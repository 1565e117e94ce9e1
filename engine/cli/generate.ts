/**
 * `podlab generate containerlab|clabernetes TOPOLOGY -o DIR`: writes the files another tool
 * deploys — a containerlab lab (`DIR/<lab>.clab.yml` + the per-node files it binds) or the
 * same lab as a clabernetes Topology (`DIR/<lab>.clabernetes.yaml`, with its ConfigMaps, plus
 * the containerlab files for reference). Exit status: 0 written, 1 invalid topology (its
 * problems printed as file:line:col, nothing written), 2 usage or input error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { loadTopology, TopologyReadError } from '../model/load.ts';
import { formatProblem } from '../model/problems.ts';
import { generateContainerlab } from '../runtime/containerlab/clab-file.ts';
import type { GeneratedFile } from '../runtime/containerlab/clab-file.ts';
import { generateClabernetes } from '../runtime/containerlab/clabernetes.ts';
import { ClabGenerateError } from '../runtime/containerlab/lab-plan.ts';

const USAGE = 'usage: podlab generate containerlab|clabernetes TOPOLOGY -o DIR [--node-bird bird1|bird2] [--namespace NS]\n';
const HELP = `${USAGE}
Writes what containerlab (one host) or clabernetes (a Kubernetes cluster) needs to run the
topology's lab on podlab's images (podlab/node, podlab/router; build them with podlab images build).

  containerlab   DIR/<lab>.clab.yml and DIR/files/<node>/… (BIRD configs, agent settings)
  clabernetes    the same, plus DIR/<lab>.clabernetes.yaml: ConfigMaps + the Topology resource

Options:
  -o, --out DIR        output directory (created if missing)
  --node-bird D        BIRD the k8s nodes' agents run: bird1 (default, as Calico ships) or bird2
  --namespace NS       clabernetes only: namespace of the Topology and its ConfigMaps

Features the files cannot carry (link latency/loss, …) are named on stderr and in the file.

Example:
  podlab generate containerlab topologies/leaf-spine.yaml -o lab/
  sudo containerlab deploy -t lab/leaf-spine.clab.yml
  podlab generate clabernetes topologies/leaf-spine.yaml -o c9s/ && kubectl apply -f c9s/leaf-spine.clabernetes.yaml
`;

interface Parsed {
  readonly target: 'containerlab' | 'clabernetes';
  readonly topology: string;
  readonly out: string;
  readonly nodeBird: 'bird1' | 'bird2';
  readonly namespace?: string;
}

function parse(args: string[]): Parsed | string {
  const pos: string[] = [];
  let out: string | undefined;
  let nodeBird: 'bird1' | 'bird2' = 'bird1';
  let namespace: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string | undefined => args[++i];
    if (a === '-o' || a === '--out') {
      out = value();
      if (!out) return `${a} needs a directory`;
    } else if (a === '--node-bird') {
      const v = value();
      if (v !== 'bird1' && v !== 'bird2') return `--node-bird must be bird1 or bird2, not '${v ?? ''}'`;
      nodeBird = v;
    } else if (a === '--namespace') {
      namespace = value();
      if (!namespace || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) return `--namespace needs a Kubernetes namespace name (DNS label), not '${namespace ?? ''}'`;
    } else if (a.startsWith('-')) {
      return `unknown option '${a}'`;
    } else pos.push(a);
  }
  const [target, topology, ...extra] = pos;
  if (target !== 'containerlab' && target !== 'clabernetes') return target ? `unknown target '${target}' (containerlab or clabernetes)` : 'no target given';
  if (!topology) return 'no topology file given';
  if (extra.length > 0) return `unexpected '${extra[0]}'`;
  if (!out) return 'no output directory given (-o DIR)';
  if (namespace && target !== 'clabernetes') return '--namespace applies to clabernetes only';
  return { target, topology, out, nodeBird, ...(namespace ? { namespace } : {}) };
}

/** Runs the subcommand with its arguments (argv after `generate`); returns the exit status. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const p = parse(args);
  if (typeof p === 'string') {
    process.stderr.write(`podlab generate: ${p}\n${USAGE}`);
    return 2;
  }
  let loaded;
  try {
    loaded = await loadTopology(p.topology);
  } catch (e) {
    if (!(e instanceof TopologyReadError)) throw e;
    process.stderr.write(`podlab generate: ${e.message}\n`);
    return 2;
  }
  for (const pr of loaded.problems) process.stderr.write(`${formatProblem(pr)}\n`);
  if (!loaded.topology) {
    process.stderr.write(`podlab generate: ${p.topology} is not a valid topology; nothing written\n`);
    return 1;
  }
  let files: GeneratedFile[];
  let warnings: readonly string[];
  try {
    const clab = generateContainerlab(loaded.topology, { nodeBird: p.nodeBird });
    files = [...clab.files];
    warnings = clab.warnings;
    if (p.target === 'clabernetes') {
      const c9s = generateClabernetes(clab, p.namespace ? { namespace: p.namespace } : {});
      files.unshift({ path: c9s.fileName, content: c9s.content });
    }
  } catch (e) {
    if (!(e instanceof ClabGenerateError)) throw e;
    process.stderr.write(`podlab generate: ${p.topology}: ${e.message}\n`);
    return 2;
  }
  for (const w of warnings) process.stderr.write(`podlab generate: warning: ${w}\n`);
  try {
    for (const f of files) {
      const path = join(p.out, f.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, f.content);
      process.stdout.write(`wrote ${relative(process.cwd(), path) || path}\n`);
    }
  } catch (e) {
    process.stderr.write(`podlab generate: cannot write into ${p.out}: ${(e as Error).message}\n`);
    return 2;
  }
  const main = join(p.out, files[0]!.path);
  process.stdout.write(p.target === 'containerlab' ? `deploy with: containerlab deploy -t ${main}\n` : `apply with: kubectl apply -f ${main}\n`);
  return 0;
}
