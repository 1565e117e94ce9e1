/**
 * The datastore read back as typed resources, the way confd's and calicoctl's clients see
 * it: v3 resources under `/calico/resources/v3/…` re-parsed with the resources module (the
 * same defaults and validation as the topology's manifests), plus IPAM's block affinities
 * for confd's `/calico/ipam/v2/host/<node>/ipv4/block/…` view.
 */
import type { CalicoManifest } from '../../model/types.ts';
import type { Datastore, KeyValue } from '../datastore/index.ts';
import { affinityPrefix, parseAffinityKey, resourcePrefix } from '../datastore/index.ts';
import { buildResourceSet } from '../resources/index.ts';
import type { ResourceProblem, ResourceSet } from '../resources/index.ts';
import type { AffineBlock } from '../confd/index.ts';

/** Resource kinds confd and calicoctl read. */
export const VIEW_KINDS = ['IPPool', 'BGPConfiguration', 'BGPPeer', 'Node', 'FelixConfiguration', 'ClusterInformation'] as const;

function manifestOf(kv: KeyValue): CalicoManifest {
  const m = kv.value as Record<string, unknown>;
  const meta = (m.metadata ?? {}) as { name?: string };
  return {
    apiVersion: String(m.apiVersion ?? 'projectcalico.org/v3'), kind: String(m.kind ?? ''),
    ...(meta.name !== undefined ? { name: meta.name } : {}),
    manifest: m,
    // Stored resources have no file; the key stands in for the location.
    loc: { file: kv.key, line: 1, col: 1 },
  };
}

/** Builds the resource set from already-listed key/values (sync callers list with MemoryDatastore.listSync). */
export function resourceSetFromKvs(kvs: readonly KeyValue[]): { set: ResourceSet; problems: ResourceProblem[] } {
  return buildResourceSet(kvs.map(manifestOf));
}

/** Reads every resource kind confd and calicoctl use from the datastore. */
export async function readResourceSet(ds: Datastore): Promise<{ set: ResourceSet; problems: ResourceProblem[] }> {
  const lists = await Promise.all(VIEW_KINDS.map((k) => ds.list(resourcePrefix(k))));
  return resourceSetFromKvs(lists.flatMap((l) => l.kvs));
}

/** Node name → its affine IPv4 blocks with their affinity state. */
export async function readAffinities(ds: Datastore, nodes: readonly string[]): Promise<Record<string, AffineBlock[]>> {
  const out: Record<string, AffineBlock[]> = {};
  const lists = await Promise.all(nodes.map((n) => ds.list(affinityPrefix(n, 4))));
  nodes.forEach((n, i) => {
    out[n] = lists[i]!.kvs.flatMap((kv) => {
      const k = parseAffinityKey(kv.key);
      if (!k) return [];
      const v = kv.value as { state?: AffineBlock['state']; deleted?: boolean } | null;
      if (v?.deleted) return [];
      return [{ cidr: k.cidr, ...(v?.state ? { state: v.state } : {}) }];
    });
  });
  return out;
}
