/**
 * Reads `iptables-save -c` into tables → chains → rules with their packet and byte counters,
 * for the inspector's policy view: Calico's `cali-*` chains and the built-in chains that jump
 * into them, so a learner sees which rule a packet hit and how often.
 */

export interface IptRule {
  readonly packets: number;
  readonly bytes: number;
  /** Where the rule sends a match (`-j` / `-g`), if anywhere. */
  readonly target?: string;
  readonly goto: boolean;
  /** The `--comment` texts (Calico's rule ids `cali:…` and its explanations). */
  readonly comments: readonly string[];
  /** The match part of the rule, without `-A CHAIN`, comments, counters and target. */
  readonly match: string;
  readonly line: string;
}

export interface IptChain {
  readonly name: string;
  /** Built-in chains: ACCEPT/DROP; user chains: `-`. */
  readonly policy: string;
  readonly packets: number;
  readonly bytes: number;
  readonly rules: IptRule[];
}

export interface IptTable {
  readonly name: string;
  readonly chains: IptChain[];
}

/** Splits a rule line into words, keeping double-quoted strings whole (quotes removed). */
function words(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}

/** Parses `iptables-save -c` (counters as `[packets:bytes]` before each rule). */
export function parseIptablesSave(text: string): IptTable[] {
  const tables: IptTable[] = [];
  let cur: IptTable | undefined;
  const chain = (name: string): IptChain | undefined => cur?.chains.find((c) => c.name === name);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      cur = { name: line.slice(1), chains: [] };
      tables.push(cur);
      continue;
    }
    const decl = /^:(\S+)\s+(\S+)\s+\[(\d+):(\d+)\]$/.exec(line);
    if (decl && cur) {
      cur.chains.push({ name: decl[1]!, policy: decl[2]!, packets: Number(decl[3]), bytes: Number(decl[4]), rules: [] });
      continue;
    }
    const rule = /^(?:\[(\d+):(\d+)\]\s+)?-A\s+(\S+)\s*(.*)$/.exec(line);
    if (!rule || !cur) continue;
    const c = chain(rule[3]!) ?? (cur.chains.push({ name: rule[3]!, policy: '-', packets: 0, bytes: 0, rules: [] }), chain(rule[3]!)!);
    const w = words(rule[4]!);
    const comments: string[] = [];
    const match: string[] = [];
    let target: string | undefined;
    let goto = false;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === '-m' && w[i + 1] === 'comment' && w[i + 2] === '--comment') {
        comments.push(w[i + 3] ?? '');
        i += 3;
      } else if ((w[i] === '-j' || w[i] === '-g') && target === undefined) {
        goto = w[i] === '-g';
        target = w[++i];
        // The target's own options (MARK --set-xmark …) belong to it.
        const opts = w.slice(i + 1).join(' ');
        if (opts) target += ` ${opts}`;
        break;
      } else match.push(w[i]!);
    }
    c.rules.push({ packets: Number(rule[1] ?? 0), bytes: Number(rule[2] ?? 0), goto, comments, match: match.join(' '), line, ...(target ? { target } : {}) });
  }
  return tables;
}

/** Calico's part of a ruleset: `cali-*` chains and the built-in chains that lead into them, per table (tables without any dropped). */
export function calicoChains(tables: readonly IptTable[]): IptTable[] {
  return tables.map((t) => ({
    name: t.name,
    chains: t.chains.filter((c) => c.name.startsWith('cali-') || c.rules.some((r) => r.target?.startsWith('cali-'))),
  })).filter((t) => t.chains.length > 0);
}
