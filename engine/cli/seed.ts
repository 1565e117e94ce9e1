/**
 * `podlab seed --etcd URL --topology FILE`: writes what a new cluster starts from (the
 * topology's Calico resources, policies, namespaces, one Node per k8s node) into a lab's etcd,
 * then a marker; `--wait` only waits for that marker. A `containerlab deploy`ed podlab lab
 * runs the first in its etcd node and the second before each agent, so it needs nothing from
 * the engine (engine/runtime/containerlab/lab-plan.ts writes both `exec`s). The datastore is
 * retried until `--timeout`: in a lab, etcd and this command start at the same moment.
 */
import { readFile } from 'node:fs/promises';
import { EtcdDatastore } from '../calico/datastore/index.ts';
import { seedCluster, waitSeeded } from '../calico/cluster/seed.ts';
import { loadTopology } from '../model/load.ts';
import { formatProblem } from '../model/problems.ts';
import type { Topology } from '../model/types.ts';
import { InputError, runCommand, UsageError, type CommandSpec } from './args.ts';

/** The command line this command accepts (help, parsing, errors: ./args.ts). */
export const SPEC = {
  name: 'seed',
  summary: "Writes a topology's Calico resources and Nodes into a lab's etcd (or, with --wait, waits until someone did).",
  details: 'A lab deployed from `podlab generate containerlab` runs it in its etcd node; each agent\n' +
    'runs `podlab seed --wait` first. --topology reads the topology YAML or the normalised JSON\n' +
    'podlab generate writes (files/podlab-etcd/topology.json).',
  positionals: [],
  options: {
    etcd: { type: 'string', value: 'URL', required: true, description: 'the datastore (http://HOST:PORT or unix:///PATH:2379)' },
    topology: { type: 'string', value: 'FILE', description: 'the topology to seed from (.yaml, or the generated .json)' },
    wait: { type: 'boolean', description: 'write nothing: wait until the datastore is seeded' },
    timeout: { type: 'integer', value: 'S', default: 120, min: 1, max: 3600, description: 'give up after S seconds (etcd unreachable, or not seeded)' },
  },
  examples: [
    'podlab seed --etcd http://127.0.0.1:2379 --topology topologies/leaf-spine.yaml',
    'podlab seed --wait --etcd http://198.18.0.1:2379',
  ],
} as const satisfies CommandSpec;

/** Runs `podlab seed`. */
export function run(args: string[]): Promise<number> {
  return runCommand(SPEC, args, ({ values }) => seed(values));
}

async function seed(o: { etcd: string; topology: string | undefined; wait: boolean; timeout: number }): Promise<number> {
  if (o.wait === (o.topology !== undefined)) throw new UsageError('give either --topology FILE (seed) or --wait');
  const topology = o.topology ? await readTopology(o.topology) : undefined;
  const ds = new EtcdDatastore({ endpoints: [o.etcd] });
  try {
    // Reachable first (etcd may still be starting), then seeded or written.
    if (topology) {
      await untilReachable(ds, o.etcd, o.timeout * 1000);
      await seedCluster(ds, topology);
      process.stderr.write(`podlab seed: ${topology.name}: resources and ${topology.nodes.filter((n) => n.kind === 'k8s-node').length} Node(s) written to ${o.etcd}\n`);
    } else {
      await waitSeeded(ds, o.timeout * 1000);
    }
  } finally {
    await ds.close().catch(() => undefined);
  }
  return 0;
}

/** A topology from YAML (validated, problems as file:line:col) or the normalised JSON podlab generate writes. */
async function readTopology(file: string): Promise<Topology> {
  if (/\.ya?ml$/i.test(file)) {
    const r = await loadTopology(file);
    if (!r.topology) throw new InputError(`${file}: not a valid topology:\n${r.problems.map(formatProblem).join('\n')}`);
    return r.topology;
  }
  let t: Partial<Topology>;
  try {
    t = JSON.parse(await readFile(file, 'utf8')) as Partial<Topology>;
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
  if (typeof t.name !== 'string' || !Array.isArray(t.nodes) || !Array.isArray(t.calico)) throw new InputError(`${file}: not a topology written by podlab generate (name, nodes and calico expected)`);
  return t as Topology;
}

async function untilReachable(ds: EtcdDatastore, url: string, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      await ds.revision();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new InputError(`etcd at ${url} did not answer within ${Math.round(maxMs / 1000)} s: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
