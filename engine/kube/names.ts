/**
 * Names Kubernetes derives rather than stores: kube-proxy's chain names (hashes of the
 * service port, so restarts write identical chains), a Deployment's pod-template-hash and
 * the random suffixes of generated names (pods, EndpointSlices), drawn from a seeded
 * generator so the same scenario names the same pods.
 */
import { createHash } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with padding (Go's base32.StdEncoding). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  while (out.length % 8) out += '=';
  return out;
}

const sha256b32 = (text: string): string => base32(createHash('sha256').update(text).digest()).slice(0, 16);

/** ServicePortName.String(): `ns/name` plus `:port` when the port is named. */
export function servicePortName(namespace: string, service: string, portName: string): string {
  return `${namespace}/${service}${portName ? `:${portName}` : ''}`;
}

/** kube-proxy's portProtoHash: base32(sha256(servicePortName + protocol)), 16 chars. */
export function portProtoHash(spn: string, protocol: string): string {
  return sha256b32(spn + protocol);
}

/** `KUBE-SVC-<hash>`: the Cluster-policy dispatch chain of a service port. */
export function svcChain(spn: string, protocol: string): string {
  return `KUBE-SVC-${portProtoHash(spn, protocol)}`;
}

/** `KUBE-SVL-<hash>`: the Local-policy dispatch chain. */
export function svlChain(spn: string, protocol: string): string {
  return `KUBE-SVL-${portProtoHash(spn, protocol)}`;
}

/** `KUBE-EXT-<hash>`: where external (NodePort) traffic of a service port enters. */
export function extChain(spn: string, protocol: string): string {
  return `KUBE-EXT-${portProtoHash(spn, protocol)}`;
}

/** `KUBE-SEP-<hash>`: one endpoint of a service port; hashes spn + protocol + `ip:port`. */
export function sepChain(spn: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${sha256b32(spn + protocol + endpoint)}`;
}

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no confusable characters. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each byte of `s` mapped onto the safe alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** FNV-1a 32-bit, what ComputeHash feeds the pod template through. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * The `pod-template-hash` label of a Deployment's ReplicaSet: fnv32a of the template,
 * written in decimal and safe-encoded (controller.ComputeHash). podlab hashes the template's
 * canonical JSON where Kubernetes hashes its Go dump, so values differ from a real cluster's.
 */
export function podTemplateHash(template: unknown): string {
  return safeEncode(String(fnv32a(canonicalJson(template))));
}

/** JSON with object keys sorted (the same template always hashes the same). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A deterministic generator of generateName suffixes (5 safe characters, like rand.String(5)). */
export class NameSuffixes {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** The next 5-character suffix. */
  next(): string {
    let out = '';
    for (let i = 0; i < 5; i++) {
      // mulberry32 step: small, seedable, uniform enough for names.
      this.s = (this.s + 0x6d2b79f5) >>> 0;
      let t = this.s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      out += SAFE_ALPHABET[((t ^ (t >>> 14)) >>> 0) % SAFE_ALPHABET.length];
    }
    return out;
  }
}
