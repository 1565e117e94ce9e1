/**
 * The `podlab bgp --config FILE` YAML format, validated with file:line:col messages from the
 * yaml package's source ranges. Returns every problem at once rather than the first.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node as YNode, Pair } from 'yaml';
import { AddressError, isIPv4, isIPv6, parsePrefix } from '../net/ip.ts';
import type { AnnounceConfig, PeerConfig, SpeakerConfig } from './config.ts';

/** Parse result: the config, or the located error messages. */
export type ConfigResult = { ok: true; config: SpeakerConfig } | { ok: false; errors: string[] };

function isIp(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** Why `s` is not an explicit address/length prefix (the shared strict parser's words), or undefined. */
function prefixProblem(s: string): string | undefined {
  if (!s.includes('/')) return `'${s}' has no prefix length (expected address/length)`;
  try {
    parsePrefix(s);
    return undefined;
  } catch (e) {
    if (e instanceof AddressError) return e.message;
    throw e;
  }
}

/** Parses and validates a speaker config file's text. */
export function parseSpeakerConfig(file: string, text: string): ConfigResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const errors: string[] = [];
  const at = (node: YNode | null | undefined | Pair, msg: string): void => {
    const off = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    errors.push(`${file}:${p.line}:${p.col}: ${msg}`);
  };
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    errors.push(`${file}:${p.line}:${p.col}: YAML syntax: ${e.message.split('\n')[0]}`);
  }
  if (errors.length) return { ok: false, errors };
  const root = doc.contents as YNode | null;
  if (!isMap(root)) {
    at(root, 'the config must be a map with routerId, localAS and peers');
    return { ok: false, errors };
  }

  type Field = { key: string; node: YNode | null; keyNode: YNode };
  const fields = (m: YNode, allowed: string[], where: string): Map<string, Field> => {
    const out = new Map<string, Field>();
    if (!isMap(m)) return out;
    for (const pair of m.items) {
      const k = pair.key as YNode;
      const key = isScalar(k) ? String(k.value) : '';
      if (!allowed.includes(key)) at(k, `unknown key '${key}' in ${where} (expected one of: ${allowed.join(', ')})`);
      else if (out.has(key)) at(k, `duplicate key '${key}' in ${where}`);
      else out.set(key, { key, node: pair.value as YNode | null, keyNode: k });
    }
    return out;
  };
  const scalar = (f: Field | undefined): unknown => (f && isScalar(f.node) ? f.node.value : undefined);
  const str = (f: Field | undefined, what: string, check: (s: string) => boolean, hint: string): string | undefined => {
    if (!f) return undefined;
    const v = scalar(f);
    if (typeof v !== 'string' || !check(v)) { at(f.node ?? f.keyNode, `${what} must be ${hint}, got ${JSON.stringify(v ?? null)}`); return undefined; }
    return v;
  };
  const int = (f: Field | undefined, what: string, min: number, max: number, extra?: (n: number) => string | undefined): number | undefined => {
    if (!f) return undefined;
    const v = scalar(f);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) { at(f.node ?? f.keyNode, `${what} must be an integer ${min}..${max}, got ${JSON.stringify(v ?? null)}`); return undefined; }
    const bad = extra?.(v);
    if (bad) { at(f.node, `${what} ${bad}`); return undefined; }
    return v;
  };
  const bool = (f: Field | undefined, what: string): boolean | undefined => {
    if (!f) return undefined;
    const v = scalar(f);
    if (typeof v !== 'boolean') { at(f.node ?? f.keyNode, `${what} must be true or false`); return undefined; }
    return v;
  };
  const seq = (f: Field | undefined, what: string): YNode[] => {
    if (!f || f.node === null || (isScalar(f.node) && f.node.value === null)) return [];
    if (!isSeq(f.node)) { at(f.node, `${what} must be a list`); return []; }
    return f.node.items as YNode[];
  };

  const top = fields(root, ['routerId', 'localAS', 'localAddress', 'localAddress6', 'listenPort', 'peers', 'clusterId', 'announce', 'holdTime', 'connectRetry'], 'the config');
  for (const req of ['routerId', 'localAS']) if (!top.has(req)) at(root, `missing required key '${req}'`);
  const routerId = str(top.get('routerId'), 'routerId', isIPv4, 'an IPv4 address (a.b.c.d)');
  const localAS = int(top.get('localAS'), 'localAS', 1, 4294967295);
  const localAddress = str(top.get('localAddress'), 'localAddress', isIp, 'an IP address');
  const localAddress6 = str(top.get('localAddress6'), 'localAddress6', (s) => s.includes(':') && isIp(s), 'an IPv6 address');
  const listenPort = int(top.get('listenPort'), 'listenPort', 1, 65535);
  const clusterId = str(top.get('clusterId'), 'clusterId', isIPv4, 'an IPv4 address (a.b.c.d)');
  const holdCheck = (n: number): string | undefined => (n === 1 || n === 2 ? 'must be 0 or at least 3 (RFC 4271 §4.2)' : undefined);
  const holdTime = int(top.get('holdTime'), 'holdTime', 0, 65535, holdCheck);
  const connectRetry = int(top.get('connectRetry'), 'connectRetry', 1, 65535);

  const peers: PeerConfig[] = [];
  const seen = new Set<string>();
  for (const [i, n] of seq(top.get('peers'), 'peers').entries()) {
    const where = `peers[${i}]`;
    if (!isMap(n)) { at(n, `${where} must be a map with address and as`); continue; }
    const f = fields(n, ['address', 'as', 'name', 'passive', 'holdTime', 'routeReflectorClient', 'port', 'nextHopSelf', 'nextHopKeep', 'connectRetry'], where);
    for (const req of ['address', 'as']) if (!f.has(req)) at(n, `${where}: missing required key '${req}'`);
    const address = str(f.get('address'), `${where}.address`, isIp, 'an IP address');
    if (address && seen.has(address)) at(f.get('address')!.node, `${where}.address ${address} is configured twice`);
    if (address) seen.add(address);
    const as = int(f.get('as'), `${where}.as`, 1, 4294967295);
    const p: Record<string, unknown> = { address, as };
    const name = scalar(f.get('name'));
    if (f.has('name')) { if (typeof name === 'string' && /^[A-Za-z_][\w]*$/.test(name)) p.name = name; else at(f.get('name')!.node, `${where}.name must be a BIRD-style identifier (letters, digits, _)`); }
    p.passive = bool(f.get('passive'), `${where}.passive`);
    p.holdTime = int(f.get('holdTime'), `${where}.holdTime`, 0, 65535, holdCheck);
    p.routeReflectorClient = bool(f.get('routeReflectorClient'), `${where}.routeReflectorClient`);
    p.port = int(f.get('port'), `${where}.port`, 1, 65535);
    p.nextHopSelf = bool(f.get('nextHopSelf'), `${where}.nextHopSelf`);
    p.nextHopKeep = bool(f.get('nextHopKeep'), `${where}.nextHopKeep`);
    p.connectRetry = int(f.get('connectRetry'), `${where}.connectRetry`, 1, 65535);
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    peers.push(p as unknown as PeerConfig);
  }

  const announce: AnnounceConfig[] = [];
  for (const [i, n] of seq(top.get('announce'), 'announce').entries()) {
    const where = `announce[${i}]`;
    if (!isMap(n)) { at(n, `${where} must be a map with prefix`); continue; }
    const f = fields(n, ['prefix', 'nextHop', 'localPref', 'med', 'communities'], where);
    if (!f.has('prefix')) at(n, `${where}: missing required key 'prefix'`);
    const pf = f.get('prefix');
    const pv = scalar(pf);
    const bad = pf && (typeof pv === 'string' ? prefixProblem(pv) : `must be a prefix (a.b.c.d/len or IPv6/len), got ${JSON.stringify(pv ?? null)}`);
    if (pf && bad) at(pf.node ?? pf.keyNode, `${where}.prefix: ${bad}`);
    const a: Record<string, unknown> = {
      prefix: pf && !bad ? pv : undefined,
      nextHop: str(f.get('nextHop'), `${where}.nextHop`, isIp, 'an IP address'),
      localPref: int(f.get('localPref'), `${where}.localPref`, 0, 4294967295),
      med: int(f.get('med'), `${where}.med`, 0, 4294967295),
    };
    const comms: string[] = [];
    for (const c of seq(f.get('communities'), `${where}.communities`)) {
      const v = isScalar(c) ? String(c.value) : '';
      const m = /^(\d{1,5}):(\d{1,5})$/.exec(v);
      if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) at(c, `${where}.communities: '${v}' is not a community (asn:value, each 0..65535)`);
      else comms.push(v);
    }
    if (comms.length) a.communities = comms;
    for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
    announce.push(a as unknown as AnnounceConfig);
  }

  if (errors.length || routerId === undefined || localAS === undefined) return { ok: false, errors };
  const config: SpeakerConfig = {
    routerId, localAS, peers, announce,
    ...(localAddress !== undefined ? { localAddress } : {}),
    ...(localAddress6 !== undefined ? { localAddress6 } : {}),
    ...(listenPort !== undefined ? { listenPort } : {}),
    ...(clusterId !== undefined ? { clusterId } : {}),
    ...(holdTime !== undefined ? { holdTime } : {}),
    ...(connectRetry !== undefined ? { connectRetry } : {}),
  };
  return { ok: true, config };
}
