/**
 * IPAM capacity from the resources alone: how many pods every node can hold at once under
 * the enabled IPv4 pools, their block size and IPAMConfig's maxBlocksPerHost (0 = IPAM's
 * safeguard of 20 blocks). Calico hands out every address of a block; with strictAffinity
 * off a node borrows from other nodes' blocks once the pool has no free block (never past
 * maxBlocksPerHost: that is an error), so the pool's total is the last limit. Pure. Simplified: pool nodeSelectors are ignored (every pool serves
 * every node) and the tunnel address an encapsulating node takes is not subtracted.
 */
import type { ResourceSet } from '../calico/resources/resource-set.ts';
import { parsePrefix4, prefixSize } from '../net/ip.ts';
import type { IpamCapacity } from './types.ts';

/** IPAM's block limit when maxBlocksPerHost is unset (libcalico-go's safeguard). */
export const DEFAULT_MAX_BLOCKS_PER_HOST = 20;

/** Pods per node when `nodes` nodes fill up together; undefined when there is no enabled IPv4 pool. */
export function ipamCapacity(set: ResourceSet, nodes: number): IpamCapacity | undefined {
  const pools = set.ipPools
    .filter((p) => !p.spec.disabled && p.spec.family === 4 && p.spec.allowedUses.includes('Workload'))
    .map((p) => {
      const addresses = prefixSize(parsePrefix4(p.spec.cidr));
      const blockAddresses = 2 ** (32 - p.spec.blockSize);
      return { name: p.meta.name, cidr: p.spec.cidr, blockSize: p.spec.blockSize, addresses, blocks: Math.floor(addresses / blockAddresses) };
    });
  if (pools.length === 0 || nodes === 0) return undefined;
  const cfg = set.ipamConfig?.spec;
  const strictAffinity = cfg?.strictAffinity ?? false;
  const maxBlocksPerHost = cfg?.maxBlocksPerHost || DEFAULT_MAX_BLOCKS_PER_HOST;
  // Blocks of different sizes: count in addresses, per pool, the smallest block decides the per-host ceiling conservatively.
  const blockAddresses = Math.min(...pools.map((p) => 2 ** (32 - p.blockSize)));
  const totalBlocks = pools.reduce((s, p) => s + p.blocks, 0);
  const totalAddresses = pools.reduce((s, p) => s + p.addresses, 0);
  const byBlocks = Math.floor(totalBlocks / nodes);
  let podsPerNode: number;
  let limitedBy: string;
  if (maxBlocksPerHost <= byBlocks) {
    // The block limit comes first, and IPAM then fails with BlockLimit: it never borrows past it.
    podsPerNode = maxBlocksPerHost * blockAddresses;
    limitedBy = `maxBlocksPerHost ${maxBlocksPerHost}${cfg?.maxBlocksPerHost ? '' : ' (IPAM default)'} × ${blockAddresses} addresses per block`;
  } else if (strictAffinity) {
    podsPerNode = byBlocks * blockAddresses;
    limitedBy = `${totalBlocks} blocks shared by ${nodes} nodes (strictAffinity: no borrowing)`;
  } else {
    // The pool ran out of free blocks: a node borrows free addresses of other nodes' blocks.
    podsPerNode = Math.floor(totalAddresses / nodes);
    limitedBy = `${totalAddresses} pool addresses shared by ${nodes} nodes`;
  }
  return { pools, nodes, blockAddresses, maxBlocksPerHost, strictAffinity, podsPerNode, limitedBy };
}
