/** Reading the envelope every manifest shares: apiVersion, kind, metadata. */
import type { Location } from '../../model/types.ts';
import type { FieldReader, Obj } from './fields.ts';
import type { Meta } from './types.ts';

const TOP_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const META_FIELDS = [
  'name', 'namespace', 'labels', 'annotations', 'uid', 'resourceVersion', 'creationTimestamp',
  'generation', 'ownerReferences', 'finalizers', 'generateName', 'managedFields', 'deletionTimestamp',
];

/**
 * Reads `metadata` (name required) and checks the top-level keys. `namespaced` says whether
 * the kind lives in a namespace (Pod) or is cluster-scoped (every Calico kind typed here).
 */
export function readMeta(r: FieldReader, m: Obj, loc: Location, namespaced: boolean): Meta | undefined {
  r.known(m, '', TOP_FIELDS);
  const md = r.obj(m, 'metadata', '');
  if (!md) {
    r.error('metadata.name', 'is required');
    return undefined;
  }
  r.known(md, 'metadata', META_FIELDS);
  const name = r.str(md, 'name', 'metadata');
  if (name === undefined || name === '') {
    r.error('metadata.name', 'is required');
    return undefined;
  }
  r.name = name;
  r.checkName(name);
  const labels = r.stringMap(md, 'labels', 'metadata');
  const annotations = r.stringMap(md, 'annotations', 'metadata');
  const ns = r.str(md, 'namespace', 'metadata');
  if (!namespaced && ns !== undefined) {
    r.warn('metadata.namespace', `${r.kind} is cluster-scoped; the namespace is ignored`);
  }
  if (namespaced) {
    const namespace = ns ?? 'default';
    r.checkName(namespace, 'metadata.namespace');
    return { name, namespace, labels, annotations, loc };
  }
  return { name, labels, annotations, loc };
}

/** The `spec` map (empty when absent). */
export function readSpec(r: FieldReader, m: Obj): Obj {
  return r.obj(m, 'spec', '') ?? {};
}
