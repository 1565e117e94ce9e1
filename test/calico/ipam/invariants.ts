/**
 * What must hold after any set of concurrent IPAM claims, whatever the interleaving:
 * - every block affine to a host has that host's affinity, `confirmed`;
 * - every affinity a host holds points at a block affine to that host (a loser withdrew
 *   its pending claim, nobody left one behind);
 * - no address is allocated twice, and the blocks hold exactly the addresses handed out;
 * - a `confirmed` affinity is never written back to `pending` (the history, from a watch).
 * Each check returns readable problem lines, so a failing test shows what went wrong.
 */
import { parseAffinityKey, type CancelWatch, type Datastore } from '../../../engine/calico/datastore/index.ts';
import { ordinalToIP, type BlockAffinity, type IpamClient } from '../../../engine/calico/ipam/index.ts';

const HOST_PREFIX = '/calico/ipam/v2/host/';
// Sorts after every host name and is no affinity key, so nothing in IPAM ever reads it.
const SENTINEL = `${HOST_PREFIX}~history-end`;

/** Every state each affinity key went through, from a watch on the affinity prefix. */
export class AffinityHistory {
  /** `<host> <cidr>` → states in write order, `deleted` for a deletion. */
  readonly states = new Map<string, string[]>();
  private cancel: CancelWatch | undefined;
  private ended: (() => void) | undefined;

  private constructor(private readonly ds: Datastore) {}

  /** Starts recording every affinity write from now on. */
  static async start(ds: Datastore): Promise<AffinityHistory> {
    const h = new AffinityHistory(ds);
    h.cancel = await ds.watch(HOST_PREFIX, undefined, (e) => {
      const key = e.type === 'put' ? e.kv.key : e.key;
      if (key === SENTINEL) return h.ended?.();
      const k = parseAffinityKey(key);
      if (!k) return;
      const id = `${k.host} ${k.cidr}`;
      const state = e.type === 'put' ? (e.kv.value as unknown as BlockAffinity).state : 'deleted';
      h.states.set(id, [...(h.states.get(id) ?? []), state]);
    });
    return h;
  }

  /** Waits until every write so far has been seen (etcd delivers watch events later), then stops. */
  async stop(): Promise<void> {
    const seen = new Promise<void>((r) => (this.ended = r));
    await this.ds.put(SENTINEL, 'end');
    await seen;
    await this.cancel?.();
    await this.ds.delete(SENTINEL);
  }

  /** The states of one host's affinity for one block. */
  of(host: string, cidr: string): string[] {
    return this.states.get(`${host} ${cidr}`) ?? [];
  }

  /** Problem lines: a confirmed affinity written back to pending. */
  problems(): string[] {
    const out: string[] = [];
    for (const [id, states] of this.states) {
      for (let i = 1; i < states.length; i++) {
        if (states[i - 1] === 'confirmed' && states[i] === 'pending') {
          const shown = states.length > 12 ? `${states.length} writes, the last: … → ${states.slice(-10).join(' → ')}` : states.join(' → ');
          out.push(`affinity ${id} went from confirmed back to pending (history ${shown})`);
          break;
        }
      }
    }
    return out;
  }
}

/** Problem lines for the stored blocks and affinities of `hosts` after `handedOut` addresses were assigned. */
export async function claimProblems(ipam: IpamClient, hosts: string[], handedOut: string[]): Promise<string[]> {
  const out: string[] = [];
  const blocks = await ipam.store.listBlocks();
  for (const b of blocks) {
    const owner = b.value.affinity?.startsWith('host:') ? b.value.affinity.slice('host:'.length) : undefined;
    if (!owner) continue;
    const aff = await ipam.store.getAffinity(owner, b.value.cidr);
    if (aff?.value.state !== 'confirmed') {
      out.push(`block ${b.value.cidr} is affine to ${owner} but its affinity is ${aff?.value.state ?? 'missing'}`);
    }
  }
  const byCidr = new Map(blocks.map((b) => [b.value.cidr, b.value]));
  for (const host of hosts) {
    for (const { cidr, state } of await ipam.store.hostAffinities(host)) {
      const b = byCidr.get(cidr);
      if (b?.affinity !== `host:${host}`) {
        out.push(`${host} holds a ${state} affinity for ${cidr}, whose block is ${b ? `affine to ${b.affinity ?? 'nobody'}` : 'missing'}`);
      }
    }
  }
  const seen = new Map<string, number>();
  for (const ip of handedOut) seen.set(ip, (seen.get(ip) ?? 0) + 1);
  for (const [ip, n] of seen) if (n > 1) out.push(`${ip} was handed out ${n} times`);
  const allocated: string[] = [];
  for (const b of blocks) b.value.allocations.forEach((a, ord) => a !== null && allocated.push(ordinalToIP(b.value, ord)));
  if (allocated.length !== handedOut.length) {
    out.push(`the blocks hold ${allocated.length} addresses, ${handedOut.length} were handed out`);
  }
  return out;
}
