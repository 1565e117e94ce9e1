/**
 * Reads `birdc show protocols` (BIRD 1.6 and 2.x; what calico-node's BIRD prints) into rows
 * for the inspector's BGP section. The header decides nothing but where rows start; columns
 * are whitespace-separated except Info, which is the rest of the line.
 */

export interface BirdProtocol {
  readonly name: string;
  readonly proto: string;
  readonly table: string;
  readonly state: string;
  readonly since: string;
  readonly info: string;
}

/** Parses the protocol table; banner and header lines are skipped. */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  let started = false;
  for (const line of text.split('\n')) {
    if (!started) {
      started = /^name\s+proto\s+table\s+state\s+since\s+info/i.test(line.trim());
      continue;
    }
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+(?: \d\d:\d\d:\d\d(?:\.\d+)?)?)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    out.push({ name: m[1]!, proto: m[2]!, table: m[3]!, state: m[4]!, since: m[5]!, info: m[6]!.trim() });
  }
  return out;
}

/** True for a BGP session that is up and Established. */
export function sessionUp(p: BirdProtocol): boolean {
  return p.state === 'up' && /^Established/.test(p.info);
}
