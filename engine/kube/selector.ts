/**
 * Kubernetes label selectors as `kubectl -l` takes them (k8s.io/apimachinery labels.Parse):
 * `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma-separated, all ANDed.
 */

/** One requirement of a selector. */
export type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'absent'; readonly key: string };

/** A parsed selector (requirements ANDed). */
export type LabelSelector = readonly Requirement[];

/** A selector kubectl would refuse, with its message. */
export class SelectorError extends Error {
  override name = 'SelectorError';
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

/** Parses `-l` text; throws SelectorError with kubectl's wording. */
export function parseSelector(text: string): LabelSelector {
  const out: Requirement[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(p))) {
      out.push({ op: m[2] as 'in' | 'notin', key: key(m[1]!), values: m[3]!.split(',').map((v) => v.trim()).filter(Boolean) });
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p))) {
      out.push({ op: m[2] === '!=' ? 'ne' : 'eq', key: key(m[1]!), value: m[3]! });
    } else if ((m = /^!\s*(\S+)$/.exec(p))) out.push({ op: 'absent', key: key(m[1]!) });
    else if (/^\S+$/.test(p)) out.push({ op: 'exists', key: key(p) });
    else throw new SelectorError(`error: unable to parse requirement: found '${p}', expected: ',' or 'end of string'`);
  }
  return out;
}

function key(k: string): string {
  if (!KEY.test(k)) throw new SelectorError(`error: unable to parse requirement: <nil>: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return k;
}

/** True when labels satisfy every requirement. */
export function matchesSelector(sel: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq': return has && v === r.value;
      case 'ne': return !has || v !== r.value;
      case 'in': return has && r.values.includes(v!);
      case 'notin': return !has || !r.values.includes(v!);
      case 'exists': return has;
      case 'absent': return !has;
    }
  });
}

/** metav1.FormatLabelSelector of matchLabels: `a=b,c=d`, `<none>` when empty. */
export function formatMatchLabels(m: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}
