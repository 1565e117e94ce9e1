/**
 * From YAML AST to the raw located form (`RawTopology`): checks the document's shape
 * (maps where maps belong, known kinds, fields valid for a kind, names the kernel and DNS
 * accept) and nothing semantic. A value with a shape error is dropped, so the semantic pass
 * never trips over it and reports only what is really wrong.
 */
import type { Node as YNode } from 'yaml';
import { didYouMean } from './problems.ts';
import type { Entry, Source } from './source.ts';
import { NODE_KINDS } from './types.ts';
import type {
  CalicoManifest,
  Located,
  Location,
  NodeKind,
  RawEndpoint,
  RawInterface,
  RawLink,
  RawNode,
  RawPeer,
  RawPort,
  RawRoute,
  RawTopology,
  RawVlan,
} from './types.ts';

const TOP_FIELDS = ['name', 'description', 'nodes', 'links', 'vlans', 'calico'];
const COMMON_NODE_FIELDS = ['kind', 'labels', 'image', 'rack', 'floor'];
/** Which node fields each kind accepts, beyond the common ones. */
const KIND_FIELDS: Record<NodeKind, readonly string[]> = {
  'k8s-node': ['asn', 'routerId', 'interfaces', 'routes', 'gateway'],
  router: ['asn', 'routerId', 'interfaces', 'routes', 'peers'],
  host: ['interfaces', 'routes', 'gateway'],
  switch: ['ports'],
};
const ALL_NODE_FIELDS = [...new Set([...COMMON_NODE_FIELDS, ...Object.values(KIND_FIELDS).flat()])];

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Why `name` is not an RFC 1123 DNS label, or undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 63) return `is ${name.length} characters long (at most 63)`;
  if (!DNS_LABEL.test(name)) {
    return 'is not a DNS label (lowercase letters, digits and inner hyphens only, like rack1-tor)';
  }
  return undefined;
}

/** Why `name` cannot be a Linux interface name, or undefined when it can. */
export function ifaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 15) return `is ${name.length} characters long (Linux allows at most 15)`;
  if (name === '.' || name === '..') return 'is reserved by the kernel';
  if (/[\s/:]/.test(name)) return "contains a space, '/' or ':' (the kernel and endpoint syntax reject them)";
  return undefined;
}

/** Reads the whole document into the raw form; problems go to `src.problems`. */
export function readTopology(src: Source): RawTopology {
  const start: Location = { file: src.file, line: 1, col: 1 };
  const raw = { file: src.file, nodes: [], links: [], vlans: [], calico: [] } as {
    -readonly [K in keyof RawTopology]: RawTopology[K];
  };
  if (src.doc.errors.length > 0) return raw; // positions after a syntax error are unreliable
  const root = src.root;
  if (root === null) {
    src.problems.error(start, 'the file is empty', 'a topology needs at least `name:` and `nodes:`');
    return raw;
  }
  const top = src.map(root, start, 'a topology file');
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

function checkDnsName(src: Source, name: Located<string>, what: string): boolean {
  const why = dnsLabelProblem(name.value);
  if (why) src.problems.error(name.loc, `${what} '${name.value}' ${why}`, 'rename it, e.g. rack1-tor');
  return !why;
}

function readNodes(src: Source, e: Entry, broken: string[]): RawNode[] {
  const entries = src.map(e.value, e.valueLoc, 'nodes', 'node name');
  if (!entries) return [];
  const out: RawNode[] = [];
  for (const ne of entries) {
    const name = { value: ne.key, loc: ne.keyLoc };
    const okName = checkDnsName(src, name, 'node name');
    const node = readNode(src, ne, name);
    if (node && okName) out.push(node);
    else broken.push(ne.key);
  }
  return out;
}

function readNode(src: Source, ne: Entry, name: Located<string>): RawNode | undefined {
  const fields = src.map(ne.value, ne.valueLoc, `node '${name.value}'`);
  if (!fields) return undefined;
  const kindE = fields.find((f) => f.key === 'kind');
  if (!kindE) {
    src.problems.error(name.loc, `node '${name.value}' has no kind`, `add \`kind:\` with one of ${NODE_KINDS.join(', ')}`);
    return undefined;
  }
  const kindS = src.string(kindE.value, kindE.valueLoc, 'kind');
  if (!kindS) return undefined;
  if (!(NODE_KINDS as readonly string[]).includes(kindS.value)) {
    const guess = didYouMean(kindS.value, NODE_KINDS);
    src.problems.error(
      kindS.loc,
      `unknown kind '${kindS.value}' for node '${name.value}'`,
      `${guess ? `did you mean '${guess}'? ` : ''}valid kinds: ${NODE_KINDS.join(', ')}`,
    );
    return undefined;
  }
  const kind = kindS.value as NodeKind;
  const allowed = [...COMMON_NODE_FIELDS, ...KIND_FIELDS[kind]];
  src.unknownFields(
    fields.filter((f) => !ALL_NODE_FIELDS.includes(f.key)),
    ALL_NODE_FIELDS,
    `node '${name.value}'`,
  );
  const node: { -readonly [K in keyof RawNode]: RawNode[K] } = { name, kind: { value: kind, loc: kindS.loc }, loc: name.loc };
  for (const f of fields) {
    if (!ALL_NODE_FIELDS.includes(f.key) || f.key === 'kind') continue;
    if (!allowed.includes(f.key)) {
      const who = NODE_KINDS.filter((k) => KIND_FIELDS[k].includes(f.key));
      src.problems.error(
        f.keyLoc,
        `'${f.key}' is not valid on a ${kind} (node '${name.value}')`,
        `only ${who.join(' and ')} nodes take '${f.key}'; remove it or change the kind`,
      );
      continue;
    }
    const where = f.valueLoc;
    const at = <T>(value: T | undefined): Located<T> | undefined => (value === undefined ? undefined : { value, loc: where });
    switch (f.key) {
      case 'labels':
        node.labels = at(readLabels(src, f));
        break;
      case 'image':
      case 'rack':
      case 'floor':
      case 'routerId':
      case 'gateway':
        node[f.key] = src.string(f.value, where, f.key);
        break;
      case 'asn':
        node.asn = src.int(f.value, where, 'asn', 1, 4294967295);
        break;
      case 'interfaces':
        node.interfaces = at(readInterfaces(src, f, name.value));
        break;
      case 'routes':
        node.routes = at(readRoutes(src, f));
        break;
      case 'peers':
        node.peers = at(readPeers(src, f));
        break;
      case 'ports':
        node.ports = at(readPorts(src, f, name.value));
        break;
    }
  }
  return node;
}

function readLabels(src: Source, e: Entry): Record<string, string> | undefined {
  const entries = src.map(e.value, e.valueLoc, 'labels');
  if (!entries) return undefined;
  const out: Record<string, string> = {};
  for (const l of entries) {
    const v = src.string(l.value, l.valueLoc, `label '${l.key}'`);
    if (v) out[l.key] = v.value;
  }
  return out;
}

function readInterfaces(src: Source, e: Entry, node: string): RawInterface[] | undefined {
  const entries = src.map(e.value, e.valueLoc, 'interfaces', 'interface');
  if (!entries) return undefined;
  const out: RawInterface[] = [];
  for (const ie of entries) {
    const why = ifaceNameProblem(ie.key);
    if (why) {
      src.problems.error(ie.keyLoc, `interface name '${ie.key}' on '${node}' ${why}`, 'use a name like eth1');
      continue;
    }
    const fields = src.map(ie.value, ie.valueLoc, `interface '${node}:${ie.key}'`);
    if (!fields) continue;
    src.unknownFields(fields, ['address', 'mtu'], `interface '${node}:${ie.key}'`);
    const iface: { -readonly [K in keyof RawInterface]: RawInterface[K] } = {
      name: { value: ie.key, loc: ie.keyLoc },
      loc: ie.keyLoc,
    };
    for (const f of fields) {
      if (f.key === 'address') iface.address = src.string(f.value, f.valueLoc, 'address');
      if (f.key === 'mtu') iface.mtu = readMtu(src, f);
    }
    out.push(iface);
  }
  return out;
}

/** MTU range is checked here so every reader reports it the same way. */
function readMtu(src: Source, f: Entry): Located<number> | undefined {
  return src.int(f.value, f.valueLoc, 'mtu', 68, 9216);
}

function readList<T>(src: Source, e: Entry, what: string, known: readonly string[], build: (fields: Entry[], loc: Location) => T | undefined): T[] | undefined {
  const items = src.seq(e.value, what);
  if (!items) return undefined;
  const out: T[] = [];
  for (const item of items) {
    const loc = src.loc(item);
    const fields = src.map(item, loc, `each entry of ${what}`);
    if (!fields) continue;
    src.unknownFields(fields, known, `an entry of ${what}`);
    const v = build(fields, loc);
    if (v !== undefined) out.push(v);
  }
  return out;
}

function required(src: Source, fields: Entry[], key: string, loc: Location, what: string): Entry | undefined {
  const f = fields.find((x) => x.key === key);
  if (!f) src.problems.error(loc, `${what} has no '${key}'`, `add \`${key}:\``);
  return f;
}

function readRoutes(src: Source, e: Entry): RawRoute[] | undefined {
  return readList(src, e, 'routes', ['to', 'via'], (fields, loc) => {
    const to = required(src, fields, 'to', loc, 'a route');
    const via = required(src, fields, 'via', loc, 'a route');
    const toS = to && src.string(to.value, to.valueLoc, 'to');
    const viaS = via && src.string(via.value, via.valueLoc, 'via');
    return toS && viaS ? { to: toS, via: viaS, loc } : undefined;
  });
}

function readPeers(src: Source, e: Entry): RawPeer[] | undefined {
  return readList(src, e, 'peers', ['address', 'asn', 'description', 'passive', 'rrClient'], (fields, loc) => {
    const addrE = required(src, fields, 'address', loc, 'a BGP peer');
    const asnE = required(src, fields, 'asn', loc, 'a BGP peer');
    const address = addrE && src.string(addrE.value, addrE.valueLoc, 'peer address');
    if (!address) return undefined;
    const peer: { -readonly [K in keyof RawPeer]: RawPeer[K] } = { address, loc };
    if (asnE) peer.asn = src.int(asnE.value, asnE.valueLoc, 'peer asn', 1, 4294967295);
    for (const f of fields) {
      if (f.key === 'description') peer.description = src.string(f.value, f.valueLoc, 'description');
      if (f.key === 'passive' || f.key === 'rrClient') peer[f.key] = src.bool(f.value, f.valueLoc, f.key);
    }
    return peer;
  });
}

function readPorts(src: Source, e: Entry, node: string): RawPort[] | undefined {
  const entries = src.map(e.value, e.valueLoc, 'ports', 'port');
  if (!entries) return undefined;
  const out: RawPort[] = [];
  for (const pe of entries) {
    const what = `port '${node}:${pe.key}'`;
    const why = ifaceNameProblem(pe.key);
    if (why) {
      src.problems.error(pe.keyLoc, `port name '${pe.key}' on '${node}' ${why}`, 'use a name like eth1');
      continue;
    }
    const fields = src.map(pe.value, pe.valueLoc, what);
    if (!fields) continue;
    src.unknownFields(fields, ['mode', 'vlan', 'vlans', 'native'], what);
    const modeE = required(src, fields, 'mode', pe.keyLoc, what);
    const mode = modeE && src.string(modeE.value, modeE.valueLoc, 'mode');
    if (!mode) continue;
    if (mode.value !== 'access' && mode.value !== 'trunk') {
      src.problems.error(mode.loc, `${what}: unknown mode '${mode.value}'`, 'use access or trunk');
      continue;
    }
    const port: { -readonly [K in keyof RawPort]: RawPort[K] } = {
      name: { value: pe.key, loc: pe.keyLoc },
      mode: { value: mode.value, loc: mode.loc },
      loc: pe.keyLoc,
    };
    const fv = fields.find((f) => f.key === 'vlan');
    const fvs = fields.find((f) => f.key === 'vlans');
    const fn = fields.find((f) => f.key === 'native');
    if (mode.value === 'access') {
      if (fvs || fn) {
        const bad = (fvs ?? fn)!;
        src.problems.error(bad.keyLoc, `${what} is an access port: '${bad.key}' belongs to trunk ports`, 'use `vlan: N`, or `mode: trunk`');
        continue;
      }
      if (!fv) {
        src.problems.error(pe.keyLoc, `${what} is an access port without a vlan`, 'add `vlan: N`');
        continue;
      }
      port.vlan = src.intOrName(fv.value, fv.valueLoc, 'vlan');
      if (!port.vlan) continue;
    } else {
      if (fv) {
        src.problems.error(fv.keyLoc, `${what} is a trunk port: use 'vlans: [..]' (and 'native:'), not 'vlan:'`);
        continue;
      }
      if (!fvs) {
        src.problems.error(pe.keyLoc, `${what} is a trunk port without vlans`, 'add `vlans: [10, 20]`');
        continue;
      }
      const items = src.seq(fvs.value, 'vlans');
      if (!items) continue;
      const refs = items.map((i) => src.intOrName(i, fvs.valueLoc, 'vlan'));
      if (refs.some((r) => r === undefined)) continue;
      port.vlans = { value: refs as Located<number | string>[], loc: fvs.valueLoc };
      if (fn) {
        port.native = src.intOrName(fn.value, fn.valueLoc, 'native');
        if (!port.native) continue;
      }
    }
    out.push(port);
  }
  return out;
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
  const entries = src.map(e.value, e.valueLoc, 'vlans', 'VLAN name');
  if (!entries) return [];
  const out: RawVlan[] = [];
  for (const ve of entries) {
    const name = { value: ve.key, loc: ve.keyLoc };
    if (!checkDnsName(src, name, 'VLAN name')) continue;
    const fields = src.map(ve.value, ve.valueLoc, `VLAN '${ve.key}'`);
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
    const fields = src.map(item, loc, 'a calico manifest');
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
  }
  return out;
}
