/**
 * `calicoctl ipam show` and its flags, computed from the datastore and printed as calicoctl
 * v3.2x prints them (the classic five-column utilisation table; newer calicoctl adds
 * RESERVED/COOLING columns, which podlab does not model).
 */
import { parsePrefix4, prefixCovers } from '../../net/ip.ts';
import { affinityHost, blockCapacity, numInUse, ordinalToIP } from './block.ts';
import type { IpamClient } from './ipam.ts';
import { listPools } from './pools.ts';
import { goG5, goRound0, renderTable } from './table.ts';
import type { AllocationBlock, IPPool } from './types.ts';

/** Usage of one block or pool. */
export interface Usage {
  readonly cidr: string;
  readonly capacity: number;
  readonly inUse: number;
}

/** A pool's usage with its blocks; `pool` is undefined for blocks outside every pool. */
export interface PoolUsage extends Usage {
  readonly pool?: string;
  readonly blocks: Usage[];
}

/** Calico's GetUtilization: per pool (name order) the blocks inside it (key order). */
export async function getUtilization(ipam: IpamClient): Promise<PoolUsage[]> {
  return utilizationOf(await listPools(ipam.ds), (await ipam.store.listBlocks()).map((b) => b.value));
}

/** Blocks are immutable datastore values: each one's usage is counted once, not on every view refresh. */
const BLOCK_USAGE = new WeakMap<AllocationBlock, Usage>();

function blockUsage(b: AllocationBlock): Usage {
  let u = BLOCK_USAGE.get(b);
  if (!u) {
    u = { cidr: b.cidr, capacity: blockCapacity(b), inUse: numInUse(b) };
    BLOCK_USAGE.set(b, u);
  }
  return u;
}

/** GetUtilization's pure core: the pools' and blocks' usage from their listed values. */
export function utilizationOf(pools: readonly Pick<IPPool, 'name' | 'spec'>[], blocks: readonly AllocationBlock[]): PoolUsage[] {
  const used = new Set<AllocationBlock>();
  const out: PoolUsage[] = pools.filter((p) => !p.spec.cidr.includes(':')).map((p) => {
    const pp = parsePrefix4(p.spec.cidr);
    const mine = blocks.filter((b) => prefixCovers(pp, parsePrefix4(b.cidr)));
    mine.forEach((b) => used.add(b));
    const bu = mine.map(blockUsage);
    return { pool: p.name, cidr: p.spec.cidr, capacity: 2 ** (32 - pp.len), inUse: bu.reduce((s, b) => s + b.inUse, 0), blocks: bu };
  });
  const orphans = blocks.filter((b) => !used.has(b));
  if (orphans.length > 0) {
    const bu = orphans.map(blockUsage);
    out.push({ cidr: '0.0.0.0/0', capacity: 0, inUse: bu.reduce((s, b) => s + b.inUse, 0), blocks: bu });
  }
  return out;
}

function row(kind: string, u: Usage): string[] {
  const pct = (n: number): string => `${goG5(n)} (${goRound0((100 * n) / u.capacity)}%)`;
  return [kind, u.cidr, goG5(u.capacity), pct(u.inUse), pct(u.capacity - u.inUse)];
}

/** `calicoctl ipam show` (pools) or `--show-blocks` (pools and their blocks). */
export async function showBlockUtilization(ipam: IpamClient, showBlocks: boolean): Promise<string> {
  return blockUtilizationText(await getUtilization(ipam), showBlocks);
}

/** The text of `calicoctl ipam show [--show-blocks]` for a computed utilisation. */
export function blockUtilizationText(usage: readonly PoolUsage[], showBlocks: boolean): string {
  const rows: string[][] = [];
  for (const pu of usage) {
    // Orphaned blocks get no pool row, as in calicoctl.
    if (pu.pool !== undefined) rows.push(row('IP Pool', pu));
    if (showBlocks) for (const b of pu.blocks) rows.push(row('Block', b));
  }
  return renderTable(['GROUPING', 'CIDR', 'IPS TOTAL', 'IPS IN USE', 'IPS FREE'], rows);
}

/** `calicoctl ipam show --ip=X`. */
export async function showIP(ipam: IpamClient, ip: string): Promise<string> {
  const a = await ipam.getAssignmentAttributes(ip);
  if (!a) return `${ip} is not assigned\n`;
  const keys = Object.keys(a.attrs).sort();
  if (keys.length === 0) return `IP ${ip} is in use\nNo attributes defined\n`;
  return `IP ${ip} is in use\nAttributes:\n${keys.map((k) => `  ${k}: ${a.attrs[k]}\n`).join('')}`;
}

/** One address used by a node other than its block's owner. */
export interface BorrowedIP {
  readonly ip: string;
  readonly borrowingNode: string;
  readonly block: string;
  readonly blockOwner: string;
  readonly type: string;
  readonly allocatedTo: string;
}

/** Addresses whose `node` attribute differs from their block's affinity (and a count of those without one). */
export async function getBorrowedIPs(ipam: IpamClient): Promise<{ borrowed: BorrowedIP[]; unclassified: number }> {
  const borrowed: BorrowedIP[] = [];
  let unclassified = 0;
  for (const { value: b } of await ipam.store.listBlocks()) {
    const owner = affinityHost(b) ?? '';
    b.allocations.forEach((a, ord) => {
      if (a === null) return;
      const attrs = b.attributes[a]?.secondary ?? {};
      const node = attrs['node'];
      if (node === undefined) {
        unclassified++;
        return;
      }
      if (node === owner) return;
      const pod = attrs['pod'];
      borrowed.push({
        ip: ordinalToIP(b, ord), borrowingNode: node, block: b.cidr, blockOwner: owner,
        type: pod !== undefined ? 'pod' : (attrs['type'] ?? ''),
        allocatedTo: pod !== undefined ? `${attrs['namespace'] ?? ''}/${pod}` : '',
      });
    });
  }
  return { borrowed, unclassified };
}

/** `calicoctl ipam show --show-borrowed`. */
export async function showBorrowed(ipam: IpamClient): Promise<string> {
  const { borrowed, unclassified } = await getBorrowedIPs(ipam);
  let out = renderTable(
    ['IP', 'BORROWING-NODE', 'BLOCK', 'BLOCK OWNER', 'TYPE', 'ALLOCATED-TO'],
    borrowed.map((x) => [x.ip, x.borrowingNode, x.block, x.blockOwner, x.type, x.allocatedTo]),
  );
  if (unclassified > 0) {
    out += `\nNote: found ${unclassified} IP allocations without an explicit node association. Unable to determine if they are borrowed.\n`;
  }
  return out;
}

/** `calicoctl ipam show --show-configuration`. */
export async function showConfiguration(ipam: IpamClient): Promise<string> {
  const c = await ipam.getIPAMConfig();
  return renderTable(['PROPERTY', 'VALUE'], [
    ['StrictAffinity', String(c.strictAffinity)],
    ['AutoAllocateBlocks', String(c.autoAllocateBlocks)],
    ['MaxBlocksPerHost', String(c.maxBlocksPerHost)],
  ]);
}

/** Options of `calicoctl ipam show`, as its flags. */
export interface IpamShowOptions {
  readonly ip?: string;
  readonly showBlocks?: boolean;
  readonly showBorrowed?: boolean;
  readonly showConfiguration?: boolean;
}

/** `calicoctl ipam show [--ip=X | --show-blocks | --show-borrowed | --show-configuration]`. */
export async function ipamShow(ipam: IpamClient, o: IpamShowOptions = {}): Promise<string> {
  if (o.ip !== undefined) return showIP(ipam, o.ip);
  if (o.showBlocks) return showBlockUtilization(ipam, true);
  if (o.showBorrowed) return showBorrowed(ipam);
  if (o.showConfiguration) return showConfiguration(ipam);
  return showBlockUtilization(ipam, false);
}
