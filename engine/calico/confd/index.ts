/** confd: per-node BGP intent from Calico resources, rendered as BIRD 1.6 files or built-in speaker config. */
export type {
  AffineBlock, BgpIntent, ConfdGlobal, ConfdInput, ConfdNode, ConfdNodeOverrides, KernelRule, MeshEntry, PeerEntry,
  PeerIntent, PeerKind, SelectorMatcher,
} from './types.ts';
export type { ConfdInputOptions } from './input.ts';
export { birdLogLevel, calicoSelectorMatcher, confdInputFromResources } from './input.ts';
export type { Peerings, V1Peer } from './peerings.ts';
export { computePeerings, peerKey } from './peerings.ts';
export { aggregatingBlocks, computeAllIntents, computeBgpIntent, protocolName } from './intent.ts';
export type { BirdRenderOptions } from './bird.ts';
export { explicitProtocol, meshProtocol, renderBirdCfg } from './bird.ts';
export { renderBirdAggrCfg, renderBirdIpamCfg } from './bird-ipam.ts';
export { renderBirdFiles } from './files.ts';
export type { ExportDecision, KernelDecision } from './filters.ts';
export { exportDecision, kernelDecision } from './filters.ts';
export type { BuiltinSpeakerPlan } from './speaker.ts';
export { calicoExportPolicy, speakerConfigFromIntent } from './speaker.ts';
export type { BirdFamilyStatus, NodeStatusInput, ShowProtocolsRow, StatusPeer } from './node-status.ts';
export { calicoctlNodeStatus, formatShowProtocols, parseShowProtocols, statusPeers } from './node-status.ts';
export { renderTable, wrapWords } from './tablewriter.ts';
export type { Bird2RenderOptions } from './bird2.ts';
export { explicitProtocol2, meshProtocol2, renderBird2AggrCfg, renderBird2Cfg, renderBird2Files, renderBird2IpamCfg } from './bird2.ts';
export type { BirdFilesOptions } from './files.ts';
export { renderBirdFilesFor } from './files.ts';
