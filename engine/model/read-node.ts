/**
 * Reading the `nodes:` map into raw nodes: which fields each kind takes, interfaces, static
 * routes, BGP peers and switch ports. Shape checks only; see read.ts.
 */
import { didYouMean } from './problems.ts';
import { checkDnsName, ifaceNameProblem } from './names.ts';
import { readList, readMtu, required } from './source.ts';
import type { Entry, Source } from './source.ts';
import { NODE_KINDS } from './types.ts';
import type { Located, NodeKind, RawInterface, RawNode, RawPeer, RawPort, RawRoute } from './types.ts';

const COMMON_NODE_FIELDS = ['kind', 'labels', 'image', 'rack', 'floor'];
/** Which node fields each kind accepts, beyond the common ones. */
const KIND_FIELDS: Record<NodeKind, readonly string[]> = {
  'k8s-node': ['asn', 'routerId', 'interfaces', 'routes', 'gateway'],
  router: ['asn', 'routerId', 'interfaces', 'routes', 'peers'],
  host: ['interfaces', 'routes', 'gateway'],
  switch: ['ports'],
};
const ALL_NODE_FIELDS = [...new Set([...COMMON_NODE_FIELDS, ...Object.values(KIND_FIELDS).flat()])];

/** Reads every node; names of nodes dropped for shape errors go to `broken`. */
export function readNodes(src: Source, e: Entry, broken: string[]): RawNode[] {
  const entries = src.map(e.value, 'nodes', 'node name');
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
  const fields = src.map(ne.value, `node '${name.value}'`);
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
  const entries = src.map(e.value, 'labels');
  if (!entries) return undefined;
  const out: Record<string, string> = {};
  for (const l of entries) {
    const v = src.string(l.value, l.valueLoc, `label '${l.key}'`);
    if (v) out[l.key] = v.value;
  }
  return out;
}

function readInterfaces(src: Source, e: Entry, node: string): RawInterface[] | undefined {
  const entries = src.map(e.value, 'interfaces', 'interface');
  if (!entries) return undefined;
  const out: RawInterface[] = [];
  for (const ie of entries) {
    const why = ifaceNameProblem(ie.key);
    if (why) {
      src.problems.error(ie.keyLoc, `interface name '${ie.key}' on '${node}' ${why}`, 'use a name like eth1');
      continue;
    }
    const fields = src.map(ie.value, `interface '${node}:${ie.key}'`);
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
  const entries = src.map(e.value, 'ports', 'port');
  if (!entries) return undefined;
  const out: RawPort[] = [];
  for (const pe of entries) {
    const what = `port '${node}:${pe.key}'`;
    const why = ifaceNameProblem(pe.key);
    if (why) {
      src.problems.error(pe.keyLoc, `port name '${pe.key}' on '${node}' ${why}`, 'use a name like eth1');
      continue;
    }
    const fields = src.map(pe.value, what);
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
