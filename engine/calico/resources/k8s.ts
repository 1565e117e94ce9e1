/** Kubernetes v1 Namespace and Pod: only what pod networking needs of them. */
import type { Location } from '../../model/types.ts';
import { FieldReader } from './fields.ts';
import type { Obj } from './fields.ts';
import { opt } from './bgp.ts';
import { readMeta } from './meta.ts';
import type { K8sNamespace, K8sPod, ResourceProblem } from './types.ts';

/** Parses a v1 Namespace. */
export function parseNamespace(m: Obj, loc: Location): { resource?: K8sNamespace; problems: ResourceProblem[] } {
  const r = new FieldReader('Namespace', '', loc);
  const meta = readMeta(r, m, loc, false);
  if (meta && (meta.name.length > 63 || meta.name.includes('.'))) {
    r.error('metadata.name', `'${meta.name}' is not a valid namespace name`, 'a DNS-1123 label: at most 63 characters, no dots');
  }
  return meta ? { resource: { kind: 'Namespace', meta }, problems: r.problems } : { problems: r.problems };
}

/**
 * Parses a v1 Pod. Containers, volumes and the rest of a real pod spec are accepted and
 * ignored silently: users paste real manifests, and only the network identity matters here.
 */
export function parsePod(m: Obj, loc: Location): { resource?: K8sPod; problems: ResourceProblem[] } {
  const r = new FieldReader('Pod', '', loc);
  const meta = readMeta(r, m, loc, true);
  const spec = r.obj(m, 'spec', '') ?? {};
  const nodeName = r.str(spec, 'nodeName', 'spec');
  if (nodeName === undefined) {
    r.warn('spec.nodeName', 'is not set; podlab does not schedule pods, so this pod stays Pending until a scenario places it');
  }
  const hostNetwork = r.bool(spec, 'hostNetwork', 'spec') ?? false;
  const serviceAccountName = r.str(spec, 'serviceAccountName', 'spec') ?? 'default';
  if (!meta) return { problems: r.problems };
  return {
    resource: {
      kind: 'Pod',
      meta: { ...meta, namespace: meta.namespace ?? 'default' },
      spec: { ...opt('nodeName', nodeName), serviceAccountName, hostNetwork },
    },
    problems: r.problems,
  };
}
