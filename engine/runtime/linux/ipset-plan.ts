/**
 * The IP-set part of the plan, Felix's way (felix/ipsets): sets named `cali40…` (and the
 * temporary `cali4t…` ones) are ours. A missing set is created and filled; a set whose
 * members differ gets only the missing adds and stale dels (no flush: the set never goes
 * empty under live rules); a set of another type is filled under its temporary name and
 * swapped in atomically. Stale sets are destroyed in a second script that the driver runs
 * after iptables, because rules may still reference them until then.
 *
 * Pure: an `ipset save` view in, `ipset restore -exist` scripts and change lines out, and
 * the sets the kernel holds once both scripts ran (the driver's belief until its next read).
 */
import type { DataplaneChange, DesiredIpset } from '../../dataplane/types.ts';
import type { KIpset } from './kernel-read.ts';

/** The prefix of Felix's IPv4 sets, and of its temporary ones (swap sources). */
export const IPSET_PREFIXES = ['cali40', 'cali4t'] as const;

/** True for a set name Felix owns. */
export function ownsIpset(name: string): boolean {
  return IPSET_PREFIXES.some((p) => name.startsWith(p));
}

/** The temporary name Felix fills before a swap: `cali4t` + the same ID (length kept ≤ 31). */
export function tempName(name: string): string {
  return `cali4t${name.slice(6)}`;
}

/** ipset prints a /32 of a hash:net set as a bare address: compare members in that form. */
export function normMember(m: string): string {
  return m.replace(/\/32(?=$|,)/, '');
}

const change = (op: DataplaneChange['op'], object: string): DataplaneChange => ({ kind: 'ipset', op, object, text: `ipset ${op} ${object}` });

const createLine = (name: string, type: string): string => `create ${name} ${type} family inet maxelem 1048576`;

/** Scripts: `update` (before iptables) and `destroy` (after), empty when nothing is due. */
export interface IpsetPlan {
  readonly update: string;
  readonly destroy: string;
  readonly changes: DataplaneChange[];
  readonly destroyChanges: DataplaneChange[];
  /** The sets after both scripts: foreign ones as they were, ours exactly as wanted. */
  readonly after: KIpset[];
}

/** Plans the sets: creates/updates for `want`, destroys for owned sets not wanted. */
export function planIpsets(want: readonly DesiredIpset[], have: readonly KIpset[]): IpsetPlan {
  const byName = new Map(have.map((s) => [s.name, s]));
  const lines: string[] = [];
  const changes: DataplaneChange[] = [];
  const keep = new Set<string>();
  const after: KIpset[] = have.filter((s) => !ownsIpset(s.name));
  for (const s of want) {
    keep.add(s.name);
    const members = [...new Set(s.members.map(normMember))];
    after.push({ name: s.name, type: s.type, members });
    const cur = byName.get(s.name);
    if (!cur) {
      lines.push(createLine(s.name, s.type), ...members.map((m) => `add ${s.name} ${m}`));
      changes.push(change('added', `${s.name} ${s.type} (${members.length} members)`));
      continue;
    }
    if (cur.type !== s.type) {
      const tmp = tempName(s.name);
      keep.add(tmp);
      if (byName.has(tmp)) lines.push(`destroy ${tmp}`);
      lines.push(createLine(tmp, s.type), ...members.map((m) => `add ${tmp} ${m}`), `swap ${tmp} ${s.name}`, `destroy ${tmp}`);
      changes.push(change('changed', `${s.name} ${s.type} (${members.length} members)`));
      continue;
    }
    const had = new Set(cur.members.map(normMember));
    const wanted = new Set(members);
    for (const m of members) {
      if (had.has(m)) continue;
      lines.push(`add ${s.name} ${m}`);
      changes.push(change('changed', `${s.name} +${m}`));
    }
    for (const m of had) {
      if (wanted.has(m)) continue;
      lines.push(`del ${s.name} ${m}`);
      changes.push(change('changed', `${s.name} -${m}`));
    }
  }
  const dead: string[] = [];
  const destroyChanges: DataplaneChange[] = [];
  for (const s of have) {
    if (!ownsIpset(s.name) || keep.has(s.name)) continue;
    dead.push(`destroy ${s.name}`);
    destroyChanges.push(change('removed', s.name));
  }
  const text = (l: string[]): string => (l.length ? `${l.join('\n')}\n` : '');
  return { update: text(lines), destroy: text(dead), changes, destroyChanges, after };
}
