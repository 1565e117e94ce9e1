/**
 * Felix's iptables rules as structured data, rendered exactly the way Felix renders them
 * (felix/iptables/renderer.go + match_builder.go + actions.go, v3.29) so the `cali:<hash>`
 * comments come out as Felix computes them: per chain, SHA-224 seeded with the chain name,
 * each rule hashing the previous hash plus its rendering with the literal `HASH` in place of
 * the comment, base64url, first 16 characters.
 *
 * Structured (not strings) so a future nftables driver can render the same rules its way.
 */
import { createHash, hash } from 'node:crypto';

/** A match criterion, in Felix's MatchCriteria vocabulary. */
export type IptMatch =
  /** `-p tcp` / `-p 4`, or `! -p …`. */
  | { readonly m: 'proto'; readonly proto: string | number; readonly neg?: boolean }
  | { readonly m: 'net'; readonly dir: 'src' | 'dst'; readonly cidr: string; readonly neg?: boolean }
  | { readonly m: 'iface'; readonly dir: 'in' | 'out'; readonly name: string }
  /** `-m mark --mark VALUE/MASK`; `value` 0 is Felix's MarkClear. */
  | { readonly m: 'mark'; readonly value: number; readonly mask: number; readonly neg?: boolean }
  /** `-m set --match-set NAME dst`; with `port`, a hash:ip,port set matched `dst,dst` (Felix's DestIPPortSet). */
  | { readonly m: 'set'; readonly name: string; readonly dir: 'src' | 'dst'; readonly neg?: boolean; readonly port?: boolean }
  | { readonly m: 'ctstate'; readonly states: readonly string[]; readonly neg?: boolean }
  | { readonly m: 'addrtype'; readonly dir: 'src' | 'dst'; readonly type: string; readonly neg?: boolean; readonly limitIfaceOut?: boolean }
  /** `-m multiport --destination-ports 80,8000:8080`. */
  | { readonly m: 'ports'; readonly dir: 'src' | 'dst'; readonly ports: readonly string[]; readonly neg?: boolean }
  | { readonly m: 'icmp'; readonly type: number; readonly code?: number; readonly neg?: boolean };

/** A rule action, in Felix's Action vocabulary. */
export type IptAction =
  | { readonly a: 'ACCEPT' | 'DROP' | 'RETURN' }
  | { readonly a: 'jump' | 'goto'; readonly chain: string }
  /** `--set-mark VALUE/MASK`: SetMark (value = mask), ClearMark (value 0) or a masked set. */
  | { readonly a: 'mark'; readonly value: number; readonly mask: number }
  | { readonly a: 'LOG'; readonly prefix: string }
  | { readonly a: 'MASQUERADE'; readonly randomFully: boolean };

/** One rule: matches, optional action, comments (Felix's `Rule{Match, Action, Comment}`). */
export interface IptRule {
  readonly match: readonly IptMatch[];
  readonly action?: IptAction;
  readonly comment?: readonly string[];
}

/** Felix's mark bits (≤ v3.29 layout; mask 0xffff0000). */
export const MARK = { accept: 0x10000, pass: 0x20000, scratch0: 0x40000, scratch1: 0x80000 } as const;
/** All the bits Felix's policy logic uses (allCalicoMarkBits). */
export const ALL_MARK_BITS = MARK.accept | MARK.pass | MARK.scratch0 | MARK.scratch1;

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;
const not = (neg?: boolean): string => (neg ? '! ' : '');

/** One match as Felix's iptables match builder renders it. */
export function renderMatch(x: IptMatch): string {
  switch (x.m) {
    case 'proto':
      return `${not(x.neg)}-p ${x.proto}`;
    case 'net':
      return `${not(x.neg)}--${x.dir === 'src' ? 'source' : 'destination'} ${x.cidr}`;
    case 'iface':
      return `--${x.dir}-interface ${x.name}`;
    case 'mark':
      return `-m mark ${not(x.neg)}--mark ${x.value === 0 ? '0' : hex(x.value)}/${hex(x.mask)}`;
    case 'set':
      return `-m set ${not(x.neg)}--match-set ${x.name} ${x.port ? `${x.dir},${x.dir}` : x.dir}`;
    case 'ctstate':
      return `-m conntrack ${not(x.neg)}--ctstate ${x.states.join(',')}`;
    case 'addrtype':
      return `-m addrtype ${not(x.neg)}--${x.dir}-type ${x.type}${x.limitIfaceOut ? ' --limit-iface-out' : ''}`;
    case 'ports':
      return `-m multiport ${not(x.neg)}--${x.dir === 'src' ? 'source' : 'destination'}-ports ${x.ports.join(',')}`;
    case 'icmp':
      return `-m icmp ${not(x.neg)}--icmp-type ${x.code !== undefined ? `${x.type}/${x.code}` : x.type}`;
  }
}

/** One action as Felix renders it. */
export function renderAction(x: IptAction): string {
  switch (x.a) {
    case 'ACCEPT': case 'DROP': case 'RETURN':
      return `--jump ${x.a}`;
    case 'jump':
      return `--jump ${x.chain}`;
    case 'goto':
      return `--goto ${x.chain}`;
    case 'mark':
      return `--jump MARK --set-mark ${x.value === 0 ? '0' : hex(x.value)}/${hex(x.mask)}`;
    case 'LOG':
      return `--jump LOG --log-prefix "${x.prefix}: " --log-level 5`;
    case 'MASQUERADE':
      return `--jump MASQUERADE${x.randomFully ? ' --random-fully' : ''}`;
  }
}

/** Felix's comment escaping: anything outside `[\w @%+=:,./-]` becomes `_`, at most 256 chars. */
export function escapeComment(c: string): string {
  return c.replace(/[^\w @%+=:,./-]/g, '_').slice(0, 256);
}

/**
 * Rendered bodies of frozen rules: Felix builds a pod's chains from rules every endpoint shares
 * (the conntrack, mark and profile rules), so each is rendered once per process, not once per
 * chain, per hash and per line. Only frozen rules are kept (one that can change under the same
 * identity could not be), and weakly.
 */
const BODIES = new WeakMap<IptRule, string>();

/** What follows `-A CHAIN` and the `cali:` hash comment: `[comments] matches action`. */
export function ruleBody(r: IptRule): string {
  const hit = BODIES.get(r);
  if (hit !== undefined) return hit;
  const parts: string[] = [];
  for (const c of r.comment ?? []) parts.push(`-m comment --comment "${escapeComment(c)}"`);
  const m = r.match.map(renderMatch).join(' ');
  if (m) parts.push(m);
  if (r.action) parts.push(renderAction(r.action));
  const body = parts.join(' ');
  if (Object.isFrozen(r)) BODIES.set(r, body);
  return body;
}

/** `-A CHAIN [-m comment --comment "cali:HASH"] [comments] matches action`, Felix's RenderAppend. */
export function renderRule(chain: string, r: IptRule, hash: string | undefined, verb = '-A'): string {
  let line = `${verb} ${chain}`;
  if (hash === 'HASH') line += ' HASH';
  else if (hash) line += ` -m comment --comment "cali:${hash}"`;
  const body = ruleBody(r);
  return body ? `${line} ${body}` : line;
}

/**
 * Hashes per chain content: Felix re-applies mostly unchanged chains, and SHA-224 per rule is
 * what dominated each apply. Keyed by the chain name and its rendered rules (the hash input);
 * bounded by clearing, since a lab has few distinct chain contents.
 */
const HASHES = new Map<string, readonly string[]>();
const HASHES_MAX = 8192;

/**
 * The 16-character rule hashes of a chain, shared and frozen: what a driver keeps to tell
 * whether a chain changed, as Felix keeps its chains' hashes rather than their text.
 */
export function chainHashes(chain: string, rules: readonly IptRule[]): readonly string[] {
  const rendered = rules.map((r) => renderRule(chain, r, 'HASH'));
  const key = `${chain}\n${rendered.join('\n')}`;
  let hashes = HASHES.get(key);
  if (!hashes) {
    // One buffer holds the previous digest then the line: one one-shot hash per rule instead of
    // a Hash object with two updates (the rule hashes of every new pod's chains are Felix's
    // main cost in a batch of pods). The first 12 bytes are exactly the first 16 base64url
    // characters, and a string of its own (not a slice keeping the 38-character text).
    let prev = hash('sha224', chain, 'buffer');
    let buf = Buffer.allocUnsafe(1024);
    hashes = Object.freeze(rendered.map((line) => {
      const need = 28 + Buffer.byteLength(line);
      if (need > buf.length) buf = Buffer.allocUnsafe(need * 2);
      prev.copy(buf, 0);
      buf.write(line, 28);
      prev = hash('sha224', buf.subarray(0, need), 'buffer');
      return prev.toString('base64url', 0, 12);
    }));
    if (HASHES.size >= HASHES_MAX) HASHES.clear();
    HASHES.set(key, hashes);
  }
  return hashes;
}

/**
 * A chain's `cali:<hash>` comments, computed when first read: what a simulated kernel hands to
 * the listing tools (`iptables-save`, `-S`, `-L`) the first time one of them prints the chain.
 * A packet never reads a comment, so a node nobody lists never pays Felix's SHA-224 chain, and
 * the text, when printed, is exactly chainHashes'. The rules list must not change afterwards
 * (Felix's desired state is never edited in place).
 */
export class DeferredHashComments {
  private comments: readonly string[] | undefined;
  constructor(readonly chain: string, private readonly rules: readonly IptRule[]) {}

  /** `cali:<hash>` of rule i. */
  at(i: number): string {
    return (this.comments ??= chainHashes(this.chain, this.rules).map((h) => `cali:${h}`))[i]!;
  }
}

/** The 16-character rule hashes of a chain (generictables.RuleHashes), as a list of the caller's own. */
export function ruleHashes(chain: string, rules: readonly IptRule[]): string[] {
  return [...chainHashes(chain, rules)];
}

/** The iptables-restore lines of a chain's rules, each with its `cali:` hash comment. */
export function chainLines(chain: string, rules: readonly IptRule[], hashChain = chain): string[] {
  const hashes = chainHashes(hashChain, rules);
  return rules.map((r, i) => renderRule(chain, r, hashes[i]));
}

/**
 * Felix's GetLengthLimitedID: prefix + suffix, or, when too long (or exactly at the limit and
 * starting with `_`), prefix + `_` + base64url(SHA-256(suffix)) cut to the limit.
 */
export function lengthLimitedId(prefix: string, suffix: string, max = 28): string {
  const total = prefix.length + suffix.length;
  if (total > max || (total === max && suffix.startsWith('_'))) {
    const h = createHash('sha256').update(suffix).digest('base64url');
    return `${prefix}_${h.slice(0, max - 1 - prefix.length)}`;
  }
  return prefix + suffix;
}
