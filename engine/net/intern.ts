/**
 * One copy of equal strings for the whole process: texts that every node of a large fabric
 * produces the same way (a route as `ip route` prints it, a rule's comment) are kept once.
 *
 * The copy is flat: a string built by concatenation is a tree of pieces and one cut out of a
 * larger text keeps that text alive; the shared copy is neither. The table is bounded by
 * clearing: sharing is only a saving, never a meaning.
 */

const MAX_ENTRIES = 200_000;
const strings = new Map<string, string>();

/** A flat copy of `s`, the same object for every equal string while the table holds it. */
export function internString(s: string): string {
  let v = strings.get(s);
  if (v === undefined) {
    if (strings.size >= MAX_ENTRIES) strings.clear();
    v = JSON.parse(JSON.stringify(s)) as string;
    strings.set(v, v);
  }
  return v;
}
