/**
 * Calico IPAM over the datastore: pools, blocks, affinities, handles, allocation, release,
 * and the `calicoctl ipam show` views.
 */
export * from './types.ts';
export { IpamClient, type IpamOptions } from './ipam.ts';
export { IpamStore, type Stored } from './store.ts';
export {
  newBlock, blockCapacity, ordinalToIP, ipToOrdinal, numFree, numInUse, isEmpty, affinityHost,
  assignFromBlock, assignAddress, releaseHandleFromBlock, releaseAddresses, attributesOf,
} from './block.ts';
export { fnv1_32, seededRandom, startIndex, numBlocks, blockAt, candidateBlocks, blockCidrForAddress, poolBlockSize } from './blockgen.ts';
export { BlockClaimConflict, StaleAffinity, claimBlock } from './claim.ts';
export { basicSelector, choosePools, listPools, putPool, poolResource, nodeLabels, poolFor, type CompileSelector } from './pools.ts';
export {
  POD_NETWORK, podHandle, podAttributes, goUtcString, tunnelHandle, tunnelAttributes, ensureTunnelAddress, assignPodAddress,
  type TunnelKind,
} from './handles.ts';
export {
  getUtilization, utilizationOf, blockUtilizationText, showBlockUtilization, showIP, getBorrowedIPs, showBorrowed, showConfiguration, ipamShow,
  type Usage, type PoolUsage, type BorrowedIP, type IpamShowOptions,
} from './show.ts';
export { renderTable, goG5, goRound0 } from './table.ts';
