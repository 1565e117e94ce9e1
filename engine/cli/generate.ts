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

import { InputError, runCommand, UsageError, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'generate',
  summary: "Writes what containerlab (one host) or clabernetes (a Kubernetes cluster) needs to run the topology's lab on podlab's images.",
  details: [
    '  containerlab   DIR/<lab>.clab.yml and DIR/files/<node>/… (BIRD configs, agent settings,',
    '                 the lab\'s etcd node that seeds itself: podlab seed)',
    '  clabernetes    the same, plus DIR/<lab>.clabernetes.yaml: ConfigMaps + the Topology resource',
    '',
    'The images are podlab/node and podlab/router (build them with podlab images build).',
    'Features the files cannot carry (link latency/loss, …) are named on stderr and in the file.',
  ].join('\n'),
  positionals: [{ name: 'TARGET', choices: ['containerlab', 'clabernetes'] }, { name: 'TOPOLOGY' }],
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', required: true, description: 'output directory (created if missing)' },
    'node-bird': { type: 'string', choices: ['bird1', 'bird2'], default: 'bird1', description: "the BIRD the k8s nodes' agents run (bird1 as Calico ships it)" },
    namespace: { type: 'string', value: 'NS', description: 'clabernetes only: namespace of the Topology and its ConfigMaps' },
  },
  examples: [
    'npx podlab generate containerlab topologies/leaf-spine.yaml -o lab/ && sudo containerlab deploy -t lab/leaf-spine.clab.yml',
    'npx podlab generate clabernetes topologies/leaf-spine.yaml -o c9s/ && kubectl apply -f c9s/leaf-spine.clabernetes.yaml',
  ],
} as const satisfies CommandSpec;

interface Parsed {
  readonly target: 'containerlab' | 'clabernetes';
  readonly topology: string;
  readonly out: string;
  readonly nodeBird: 'bird1' | 'bird2';
  readonly namespace?: string;
}

/** Runs the subcommand with its arguments (argv after `generate`); returns the exit status. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, ({ values, positionals }) => {
    const [target, topology] = positionals as ['containerlab' | 'clabernetes', string];
    const ns = values.namespace;
    if (ns !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw new UsageError(`--namespace needs a Kubernetes namespace name (DNS label), not '${ns}'`);
    if (ns !== undefined && target !== 'clabernetes') throw new UsageError('--namespace applies to clabernetes only');
    return generate({ target, topology, out: values.out, nodeBird: values['node-bird'] as 'bird1' | 'bird2', ...(ns ? { namespace: ns } : {}) });
  });
}

async function generate(p: Parsed): Promise<number> {
  let loaded;
  try {
    loaded = await loadTopology(p.topology);
  } catch (e) {
    if (!(e instanceof TopologyReadError)) throw e;
    throw new InputError(e.message);
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
    throw new InputError(`${p.topology}: ${e.message}`);
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
    throw new InputError(`cannot write into ${p.out}: ${(e as Error).message}`);
  }
  const main = join(p.out, files[0]!.path);
  process.stdout.write(p.target === 'containerlab' ? `deploy with: containerlab deploy -t ${main}\n` : `apply with: kubectl apply -f ${main}\n`);
  return 0;
}
