/**
 * From YAML AST to the raw located form (`RawTopology`): checks the document's shape
 * (maps where maps belong, known kinds, fields valid for a kind, names the kernel and DNS
 * accept) and nothing semantic. A value with a shape error is dropped, so the semantic pass
 * never trips over it and reports only what is really wrong.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node as YNode } from 'yaml';
import { checkDnsName, ifaceNameProblem } from './names.ts';
import { readNodes } from './read-node.ts';
import { readList, readMtu, required } from './source.ts';
import type { Entry, Source } from './source.ts';
import type { CalicoManifest, Location, RawEndpoint, RawLink, RawTopology, RawVlan } from './types.ts';

const TOP_FIELDS = ['name', 'description', 'nodes', 'links', 'vlans', 'calico'];

/** Reads the whole document into the raw form; problems go to `src.problems`. */
export function readTopology(src: Source): RawTopology {
  const start: Location = { file: src.file, line: 1, col: 1 };
  const raw = { file: src.file, nodes: [], links: [], vlans: [], calico: [] } as {
    -readonly [K in keyof RawTopology]: RawTopology[K];
  };
  if (src.doc.errors.length > 0 || src.refused) return raw; // positions after a syntax error are unreliable; a refused file is not walked
  const root = src.root;
  if (root === null) {
    src.problems.error(start, 'the file is empty', 'a topology needs at least `name:` and `nodes:`');
    return raw;
  }
  const top = src.map(root, 'a topology file');
  if (!top) return raw;
  src.unknownFields(top, TOP_FIELDS, 'the topology');
  const get = (k: string): Entry | undefined => top.find((e) => e.key === k);

  const name = get('name');
  if (!name) src.problems.error(start, 'the topology has no name', 'add `name: my-lab` at the top');
  else {
    raw.name = src.string(name.value, name.valueLoc, 'name');
    if (raw.name) checkDnsName(src, raw.name, 'topology name');
  }
  const desc = get('description');
  if (desc) raw.description = src.string(desc.value, desc.valueLoc, 'description');

  const nodes = get('nodes');
  if (!nodes) {
    // containerlab nests nodes and links under `topology:`; say so instead of just "no nodes".
    const clab = get('topology');
    src.problems.error(
      clab ? clab.keyLoc : start,
      'the topology has no nodes',
      clab ? 'podlab takes `nodes:` and `links:` at the top level: move them out of `topology:`' : 'add a `nodes:` map',
    );
  }
  else {
    const broken: string[] = [];
    raw.nodes = readNodes(src, nodes, broken);
    raw.brokenNodes = broken;
  }
  const links = get('links');
  if (links) raw.links = readLinks(src, links);
  const vlans = get('vlans');
  if (vlans) raw.vlans = readVlans(src, vlans);
  const calico = get('calico');
  if (calico) raw.calico = readCalico(src, calico);
  return raw;
}

function readEndpoint(src: Source, node: YNode | null, where: Location): RawEndpoint | undefined {
  const s = src.string(node, where, 'a link endpoint');
  if (!s) return undefined;
  const colon = s.value.indexOf(':');
  if (colon <= 0 || colon === s.value.length - 1) {
    src.problems.error(s.loc, `link endpoint '${s.value}' is not 'node:interface'`, 'write it like "leaf1:eth1"');
    return undefined;
  }
  const iface = s.value.slice(colon + 1);
  const why = ifaceNameProblem(iface);
  if (why) {
    src.problems.error(s.loc, `interface name '${iface}' in endpoint '${s.value}' ${why}`, 'use a name like eth1');
    return undefined;
  }
  return { node: s.value.slice(0, colon), iface, loc: s.loc };
}

function readLinks(src: Source, e: Entry): RawLink[] {
  return (
    readList(src, e, 'links', ['endpoints', 'mtu', 'latency', 'loss', 'vlan'], (fields, loc) => {
      const epE = required(src, fields, 'endpoints', loc, 'a link');
      if (!epE) return undefined;
      const items = src.seq(epE.value, 'endpoints');
      if (!items) return undefined;
      if (items.length !== 2) {
        src.problems.error(epE.valueLoc, `a link has exactly two endpoints, this one has ${items.length}`, 'write `endpoints: ["a:eth1", "b:eth1"]`');
        return undefined;
      }
      const a = readEndpoint(src, items[0]!, epE.valueLoc);
      const b = readEndpoint(src, items[1]!, epE.valueLoc);
      if (!a || !b) return undefined;
      const link: { -readonly [K in keyof RawLink]: RawLink[K] } = { endpoints: { value: [a, b], loc: epE.valueLoc }, loc };
      for (const f of fields) {
        if (f.key === 'mtu') link.mtu = readMtu(src, f);
        if (f.key === 'latency' || f.key === 'loss') link[f.key] = src.string(f.value, f.valueLoc, f.key);
        if (f.key === 'vlan') link.vlan = src.intOrName(f.value, f.valueLoc, 'vlan');
      }
      return link;
    }) ?? []
  );
}

function readVlans(src: Source, e: Entry): RawVlan[] {
  const entries = src.map(e.value, 'vlans', 'VLAN name');
  if (!entries) return [];
  const out: RawVlan[] = [];
  for (const ve of entries) {
    const name = { value: ve.key, loc: ve.keyLoc };
    if (!checkDnsName(src, name, 'VLAN name')) continue;
    const fields = src.map(ve.value, `VLAN '${ve.key}'`);
    if (!fields) continue;
    src.unknownFields(fields, ['id', 'subnet'], `VLAN '${ve.key}'`);
    const idE = required(src, fields, 'id', ve.keyLoc, `VLAN '${ve.key}'`);
    const id = idE && src.int(idE.value, idE.valueLoc, 'VLAN id', 1, 4094);
    if (!id) continue;
    const vlan: { -readonly [K in keyof RawVlan]: RawVlan[K] } = { name, id, loc: ve.keyLoc };
    const sub = fields.find((f) => f.key === 'subnet');
    if (sub) vlan.subnet = src.string(sub.value, sub.valueLoc, 'subnet');
    out.push(vlan);
  }
  return out;
}

function readCalico(src: Source, e: Entry): CalicoManifest[] {
  const items = src.seq(e.value, 'calico');
  if (!items) return [];
  const out: CalicoManifest[] = [];
  for (const item of items) {
    const loc = src.loc(item);
    const fields = src.map(item, 'a calico manifest');
    if (!fields) continue;
    const av = fields.find((f) => f.key === 'apiVersion');
    const kind = fields.find((f) => f.key === 'kind');
    const missing = [av ? '' : 'apiVersion', kind ? '' : 'kind'].filter(Boolean);
    if (missing.length > 0) {
      src.problems.error(
        loc,
        `calico manifest without ${missing.join(' and ')}`,
        'each entry is a Kubernetes manifest: add e.g. `apiVersion: projectcalico.org/v3` and `kind: IPPool`',
      );
      continue;
    }
    const avS = src.string(av!.value, av!.valueLoc, 'apiVersion');
    const kindS = src.string(kind!.value, kind!.valueLoc, 'kind');
    if (!avS || !kindS) continue;
    const manifest = src.toJS(item) as Record<string, unknown>;
    const meta = manifest['metadata'];
    const name = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)['name'] : undefined;
    out.push({ apiVersion: avS.value, kind: kindS.value, ...(typeof name === 'string' ? { name } : {}), manifest, loc });
    FIELD_LOCS.set(out[out.length - 1]!, fieldLocations(src, item));
  }
  return out;
}

// Where each field of a manifest read from a file is written, kept beside the manifest
// (never in it: a Topology travels as JSON to the UI and into recordings).
const FIELD_LOCS = new WeakMap<CalicoManifest, Map<string, Location>>();

/** Where the field at `path` (`spec.cidr`, `spec.allowedUses[0]`) of a manifest read from a file is written, if known. */
export function manifestFieldLoc(cm: CalicoManifest, path: string): Location | undefined {
  return FIELD_LOCS.get(cm)?.get(path);
}

// So a resource check on `spec.cidr` points at that value rather than at the manifest's first line.
function fieldLocations(src: Source, item: YNode): Map<string, Location> {
  const out = new Map<string, Location>();
  const stack: [YNode | null, string][] = [[item, '']];
  while (stack.length) {
    const [raw, path] = stack.pop()!;
    const n = src.deref(raw);
    if (isMap(n)) {
      for (const pair of n.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (k === undefined) continue;
        const p = path ? `${path}.${k}` : k;
        const v = src.deref((pair.value as YNode | null) ?? null);
        out.set(p, src.loc(v ?? (pair.key as YNode)));
        stack.push([v, p]);
      }
    } else if (isSeq(n)) {
      n.items.forEach((x, i) => {
        const p = `${path}[${i}]`;
        out.set(p, src.loc(x as YNode));
        stack.push([x as YNode, p]);
      });
    }
  }
  return out;
}
