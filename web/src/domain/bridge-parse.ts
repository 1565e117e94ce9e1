/**
 * Reads what `bridge fdb show` and `bridge vlan show` print back into rows, for the switch
 * inspector's MAC table and VLAN view. Like iproute-parse.ts, the text stays the source of
 * truth; a line these do not understand is kept, never dropped silently.
 */

export interface FdbRow {
  readonly mac: string;
  readonly dev: string;
  readonly vlan?: number;
  readonly master?: string;
  /** `permanent` (the bridge's own ports' addresses), `static`, or learned (neither). */
  readonly state: 'learned' | 'permanent' | 'static';
  readonly self: boolean;
  readonly line: string;
}

/** Parses `bridge fdb show`, one row per entry. */
export function parseFdb(text: string): FdbRow[] {
  const rows: FdbRow[] = [];
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w.length < 3 || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(w[0]!)) continue;
    const at = (k: string): string | undefined => { const i = w.indexOf(k); return i >= 0 ? w[i + 1] : undefined; };
    const vlan = at('vlan');
    const master = at('master');
    rows.push({
      mac: w[0]!, dev: at('dev') ?? '?', ...(vlan !== undefined ? { vlan: Number(vlan) } : {}), ...(master ? { master } : {}),
      state: w.includes('permanent') ? 'permanent' : w.includes('static') ? 'static' : 'learned', self: w.includes('self'), line: line.trim(),
    });
  }
  return rows;
}

export interface PortVlans {
  readonly port: string;
  readonly vlans: readonly { readonly id: number; readonly pvid: boolean; readonly untagged: boolean }[];
}

/** Parses `bridge vlan show`: each port with its VLANs (a port's first line names it, continuation lines add VLANs). */
export function parseBridgeVlans(text: string): PortVlans[] {
  const out: { port: string; vlans: { id: number; pvid: boolean; untagged: boolean }[] }[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || /^port\s/.test(line)) continue;
    const m = /^(\S+)?\s+(\d+)(?:-(\d+))?(.*)$/.exec(line);
    if (!m) continue;
    if (m[1]) out.push({ port: m[1], vlans: [] });
    const cur = out[out.length - 1];
    if (!cur) continue;
    const lo = Number(m[2]);
    const hi = m[3] ? Number(m[3]) : lo;
    for (let id = lo; id <= hi && id - lo < 4096; id++) cur.vlans.push({ id, pvid: /\bPVID\b/.test(m[4]!), untagged: /Untagged/.test(m[4]!) });
  }
  return out;
}
