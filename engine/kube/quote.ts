/** Quoting of iptables-save arguments (xtables_save_string): bare when [A-Za-z0-9_-] only. */

/** A value as iptables-save writes it, e.g. a `--comment`. */
export function saveQuote(v: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(v)) return v;
  return `"${v.replace(/["\\']/g, (ch) => `\\${ch}`)}"`;
}
