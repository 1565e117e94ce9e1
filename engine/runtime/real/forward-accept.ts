/**
 * With br_netfilter loaded, frames bridged by the lab's root-namespace bridges traverse
 * iptables FORWARD, whose policy dockerd sets to DROP: the lab's switches would drop
 * everything. Each bridge then gets a rule accepting what it bridges to itself, tagged
 * `podlab:<id>:<lab>` and in the lab's record, so it goes with the lab; the policy itself is never touched.
 */
import { readFile } from 'node:fs/promises';
import type { LabState } from '../labs.ts';
import { localExec, mustRun } from '../linux/exec.ts';

/** The FORWARD rules (iptables argv after -I/-D) the lab's bridges need here: none unless bridged frames meet iptables. */
export async function forwardAcceptRules(bridges: readonly string[], state: LabState): Promise<string[][]> {
  return (await bridgesNeedAccept()) ? bridges.map((b) => acceptRule(b, state)) : [];
}

/** Inserts the rules (already in the lab's record) and tells so in `notes`. */
export async function insertForwardAccepts(rules: readonly string[][], state: LabState, notes: string[]): Promise<void> {
  for (const r of rules) await mustRun(localExec, ['iptables', '-w', '-I', ...r]);
  if (rules.length) notes.push(`iptables: FORWARD accepts frames bridged within the lab's ${rules.length} bridge(s) (br_netfilter is loaded; rules tagged podlab:${state.id}:${state.lab})`);
}

/** An iptables FORWARD rule accepting frames bridged inside one of the lab's bridges (the tag labs.ts removes by). */
function acceptRule(bridge: string, state: LabState): string[] {
  return ['FORWARD', '-i', bridge, '-o', bridge, '-m', 'comment', '--comment', `podlab:${state.id}:${state.lab}`, '-j', 'ACCEPT'];
}

/** Bridged frames meet iptables FORWARD when br_netfilter's bridge-nf-call-iptables is on and iptables works. */
async function bridgesNeedAccept(): Promise<boolean> {
  const on = await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').then((t) => t.trim() === '1', () => false);
  if (!on) return false;
  return (await localExec(['iptables', '-w', '-S', 'FORWARD'])).code === 0;
}
