/**
 * The rules of containerlab's published JSON schema (schemas/clab.schema.json in
 * srl-labs/containerlab @39ff2b7, draft-07) for the fields podlab writes, plus the checks
 * containerlab's loader makes on top (endpoints name real nodes, an interface is used once,
 * the static management address lies in the management subnet). Encoded by hand from the
 * schema, not copied: the test runs without the schema file.
 */
import { parsePrefix4, prefixContains, parseIPv4 } from '../../engine/net/ip.ts';

// Top level: properties name, prefix, mgmt, topology, settings, debug; additionalProperties false.
const TOP_KEYS = ['name', 'prefix', 'mgmt', 'topology', 'settings', 'debug'];
const TOP_REQUIRED = ['name', 'topology'];
const LAB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-._]*$/;
// mgmt: additionalProperties false, minProperties 1.
const MGMT_KEYS = ['network', 'bridge', 'ipv4-subnet', 'ipv6-subnet', 'ipv4-gw', 'ipv6-gw', 'ipv4-range', 'ipv6-range', 'mtu', 'external-access', 'skip-when-unused', 'driver-opts'];
const IPV4_SUBNET = /(^.+\/[0-9]{1,2}$)|(auto)/;
// topology: additionalProperties false, required nodes; node names by patternProperties.
const TOPOLOGY_KEYS = ['nodes', 'groups', 'kinds', 'defaults', 'links'];
const NODE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-._|]*$/;
// node-config: additionalProperties false.
const NODE_KEYS = [
  'aliases', 'auto-remove', 'binds', 'cap-add', 'certificate', 'cgroup-parent', 'cgroupns-mode', 'cmd', 'components', 'config', 'cpu', 'cpu-set',
  'credentials', 'devices', 'dns', 'enforce-startup-config', 'entrypoint', 'env', 'env-files', 'exec', 'extras', 'group', 'healthcheck', 'hostname',
  'image', 'image-pull-policy', 'kind', 'labels', 'license', 'link-apply-mode', 'memory', 'mgmt-ipv4', 'mgmt-ipv6', 'network-mode', 'pid-mode', 'ports',
  'privileged', 'restart-policy', 'runtime', 'security-opts', 'shm-size', 'stages', 'startup-config', 'startup-delay', 'suppress-startup-config',
  'sysctls', 'tmpfs', 'type', 'user', 'volumes',
];
// The kinds podlab uses, out of the schema's enum.
const KINDS_USED = ['linux'];
const NETWORK_MODE = /^(host)|(container:\S+)|(none)$/;
const IPV4_ADDR = /^(([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])\.){3}([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])$/;
// link-config-short: additionalProperties false, required endpoints.
const LINK_KEYS = ['endpoints', 'mtu', 'ipv4', 'ipv6', 'vars'];
const ENDPOINT = /^\S+:\S+$/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every violation of the encoded rules in a parsed `.clab.yml`, as `path: problem` lines. */
export function clabSchemaProblems(doc: unknown): string[] {
  const out: string[] = [];
  const bad = (path: string, why: string): void => void out.push(`${path}: ${why}`);
  const keys = (path: string, o: Record<string, unknown>, allowed: readonly string[]): void => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(path, `key '${k}' is not allowed`);
  };
  const strings = (path: string, v: unknown, unique: boolean): string[] => {
    if (!Array.isArray(v) || v.length < 1) return (bad(path, 'must be a non-empty array'), []);
    if (v.some((s) => typeof s !== 'string')) bad(path, 'items must be strings');
    if (unique && new Set(v).size !== v.length) bad(path, 'items must be unique');
    return v as string[];
  };
  if (!isObj(doc)) return ['/: must be an object'];
  keys('/', doc, TOP_KEYS);
  for (const r of TOP_REQUIRED) if (!(r in doc)) bad('/', `'${r}' is required`);
  if (typeof doc.name !== 'string' || !LAB_NAME.test(doc.name)) bad('/name', `'${String(doc.name)}' does not match ${LAB_NAME}`);

  let subnet: string | undefined;
  if (doc.mgmt !== undefined) {
    const m = doc.mgmt;
    if (!isObj(m) || Object.keys(m).length < 1) bad('/mgmt', 'must be an object with at least one property');
    else {
      keys('/mgmt', m, MGMT_KEYS);
      if (m.network !== undefined && typeof m.network !== 'string') bad('/mgmt/network', 'must be a string');
      if (m['ipv4-subnet'] !== undefined) {
        if (typeof m['ipv4-subnet'] !== 'string' || !IPV4_SUBNET.test(m['ipv4-subnet'])) bad('/mgmt/ipv4-subnet', 'does not match the subnet pattern');
        else subnet = m['ipv4-subnet'];
      }
    }
  }

  const t = doc.topology;
  if (!isObj(t)) return (bad('/topology', 'must be an object'), out);
  keys('/topology', t, TOPOLOGY_KEYS);
  if (!isObj(t.nodes)) return (bad('/topology/nodes', 'is required and must be an object'), out);
  const nodes = t.nodes;
  for (const [name, n] of Object.entries(nodes)) {
    const p = `/topology/nodes/${name}`;
    if (!NODE_NAME.test(name)) bad(p, `node name does not match ${NODE_NAME}`);
    if (n === null) continue;
    if (!isObj(n)) { bad(p, 'must be null or an object'); continue; }
    keys(p, n, NODE_KEYS);
    if (typeof n.kind !== 'string' || !KINDS_USED.includes(n.kind)) bad(`${p}/kind`, `'${String(n.kind)}' is not a kind podlab writes`);
    for (const k of ['image', 'cmd']) if (n[k] !== undefined && typeof n[k] !== 'string') bad(`${p}/${k}`, 'must be a string');
    if (n.labels !== undefined) {
      if (!isObj(n.labels)) bad(`${p}/labels`, 'must be an object');
      else for (const [k, v] of Object.entries(n.labels)) {
        const ok = (typeof v === 'string' && v.length >= 1) || (typeof v === 'number' && v >= 0);
        if (!ok) bad(`${p}/labels/${k}`, 'must be a non-empty string or a number >= 0');
      }
    }
    if (n.exec !== undefined) strings(`${p}/exec`, n.exec, false);
    if (n.binds !== undefined) {
      for (const b of strings(`${p}/binds`, n.binds, true)) if (b.split(':').length < 2) bad(`${p}/binds`, `'${b}' is not SRC:DST[:MODE]`);
    }
    if (n['network-mode'] !== undefined && (typeof n['network-mode'] !== 'string' || !NETWORK_MODE.test(n['network-mode']))) bad(`${p}/network-mode`, 'does not match the pattern');
    if (n['mgmt-ipv4'] !== undefined) {
      const a = n['mgmt-ipv4'];
      if (typeof a !== 'string' || !IPV4_ADDR.test(a)) bad(`${p}/mgmt-ipv4`, 'is not an IPv4 address');
      // containerlab's loader: a static management address must lie in the management subnet.
      else if (!subnet || !prefixContains(parsePrefix4(subnet), parseIPv4(a))) bad(`${p}/mgmt-ipv4`, `not inside mgmt ipv4-subnet ${subnet ?? '(none)'}`);
      if (n['network-mode'] === 'none') bad(`${p}/mgmt-ipv4`, 'set on a node without a management interface');
    }
  }

  if (t.links !== undefined) {
    if (!Array.isArray(t.links) || t.links.length < 1) return (bad('/topology/links', 'must be a non-empty array'), out);
    const usedIfaces = new Set<string>();
    t.links.forEach((l, i) => {
      const p = `/topology/links/${i}`;
      if (!isObj(l)) return bad(p, 'must be an object');
      keys(p, l, LINK_KEYS);
      // The schema's prefixItems is a draft 2020-12 keyword that draft-07 ignores; containerlab's
      // parser (and clabernetes') want exactly two "node:iface" strings, so check that.
      const eps = l.endpoints;
      if (!Array.isArray(eps) || eps.length !== 2) return bad(`${p}/endpoints`, 'must be two endpoints');
      if (new Set(eps).size !== 2) bad(`${p}/endpoints`, 'items must be unique');
      for (const e of eps) {
        if (typeof e !== 'string' || !ENDPOINT.test(e) || e.split(':').length !== 2) { bad(`${p}/endpoints`, `'${String(e)}' is not node:iface`); continue; }
        const [node, iface] = e.split(':') as [string, string];
        if (!(node in nodes)) bad(`${p}/endpoints`, `'${e}' names no node`);
        if (iface.length > 15) bad(`${p}/endpoints`, `'${e}': interface names have at most 15 characters`);
        // Docker already gave a node with a management network its eth0.
        if (iface === 'eth0' && isObj(nodes[node]) && (nodes[node] as Record<string, unknown>)['network-mode'] !== 'none') bad(`${p}/endpoints`, `'${e}': eth0 is the management interface`);
        if (usedIfaces.has(e)) bad(`${p}/endpoints`, `'${e}' is used by two links`);
        usedIfaces.add(e);
      }
      if (l.mtu !== undefined && (typeof l.mtu !== 'number' || l.mtu < 1 || l.mtu > 65535)) bad(`${p}/mtu`, 'must be a number in 1..65535');
    });
  }
  return out;
}
