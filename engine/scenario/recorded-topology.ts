/**
 * The shape check of a recording's topology. A recording carries the normalised Topology as
 * plain JSON, and everything that shows a recording (the API's views, the UI's drawing, the
 * terminal replay) indexes into it without re-validating: a hand-edited or truncated file
 * with `nodes: [{}]` used to reach them and come back as HTTP 500. Pure (the browser bundle
 * shares it); returns the first problem as a path and what was expected.
 */

type Check = (v: unknown, at: string) => string | undefined;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check = (v, at) => (typeof v === 'string' ? undefined : `${at} must be a string`);
const int: Check = (v, at) => (Number.isSafeInteger(v) ? undefined : `${at} must be an integer`);
const bool: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} must be true or false`);
const optional = (c: Check): Check => (v, at) => (v === undefined ? undefined : c(v, at));

function list(item: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} must be a list`;
    for (let i = 0; i < v.length; i++) {
      const bad = item(v[i], `${at}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  };
}

function obj(fields: Readonly<Record<string, Check>>): Check {
  return (v, at) => {
    if (!isObj(v)) return `${at} must be an object`;
    for (const [k, c] of Object.entries(fields)) {
      const bad = c(v[k], `${at}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  };
}

const prefix = obj({ addr: int, len: int });
const iface = obj({ node: str, name: str, address: optional(prefix), mtu: int, link: optional(int), segment: optional(int) });
const node = obj({
  name: str,
  kind: (v, at) => (v === 'k8s-node' || v === 'router' || v === 'switch' || v === 'host' ? undefined : `${at} must be k8s-node, router, switch or host`),
  labels: (v, at) => (isObj(v) && Object.values(v).every((x) => typeof x === 'string') ? undefined : `${at} must map names to strings`),
  asn: optional(int),
  routerId: optional(int),
  interfaces: list(iface),
  routes: list(obj({ to: prefix, via: int })),
  gateway: optional(int),
  peers: list(obj({ address: int, asn: int, passive: bool, rrClient: bool })),
  ports: list(obj({ name: str, mode: (v, at) => (v === 'access' || v === 'trunk' ? undefined : `${at} must be access or trunk`) })),
});
const endpoint = obj({ node: str, iface: str });
const link = obj({
  endpoints: (v, at) => (Array.isArray(v) && v.length === 2 ? list(endpoint)(v, at) : `${at} must be a list of two endpoints`),
  mtu: int, latencyMs: (v, at) => (typeof v === 'number' ? undefined : `${at} must be a number`), lossPercent: (v, at) => (typeof v === 'number' ? undefined : `${at} must be a number`),
});
const topology = obj({
  name: str,
  nodes: list(node),
  links: list(link),
  vlans: list(obj({ name: str, id: int })),
  segments: list(obj({ id: int, members: list(str), switches: list(obj({ node: str, vlan: int })) })),
  calico: list(obj({ kind: str })),
});

/** The first problem of a recorded topology ("topology.nodes[0].interfaces must be a list"), or undefined. */
export function recordedTopologyProblem(t: unknown): string | undefined {
  const bad = topology(t, 'topology');
  if (bad) return bad;
  // Cross references the views follow: a link's ends, an interface's link and segment.
  const tp = t as { nodes: { name: string; interfaces: { link?: number; segment?: number }[] }[]; links: { endpoints: { node: string }[] }[]; segments: unknown[] };
  const names = new Set(tp.nodes.map((n) => n.name));
  for (const [i, l] of tp.links.entries()) {
    for (const e of l.endpoints) if (!names.has(e.node)) return `topology.links[${i}] names node '${e.node}', which is not in topology.nodes`;
  }
  for (const [ni, n] of tp.nodes.entries()) {
    for (const [ii, f] of n.interfaces.entries()) {
      if (f.link !== undefined && (f.link < 0 || f.link >= tp.links.length)) return `topology.nodes[${ni}].interfaces[${ii}].link ${f.link} is not a link index`;
      if (f.segment !== undefined && (f.segment < 0 || f.segment >= tp.segments.length)) return `topology.nodes[${ni}].interfaces[${ii}].segment ${f.segment} is not a segment index`;
    }
  }
  return undefined;
}
