/** The three BIRD files confd writes for a node, rendered together. */
import { renderBirdCfg } from './bird.ts';
import type { BirdRenderOptions } from './bird.ts';
import { renderBirdAggrCfg, renderBirdIpamCfg } from './bird-ipam.ts';
import type { BgpIntent } from './types.ts';

/** File name → text of bird.cfg, bird_aggr.cfg and bird_ipam.cfg for one node. */
export function renderBirdFiles(i: BgpIntent, opts: BirdRenderOptions = {}): Record<'bird.cfg' | 'bird_aggr.cfg' | 'bird_ipam.cfg', string> {
  return { 'bird.cfg': renderBirdCfg(i, opts), 'bird_aggr.cfg': renderBirdAggrCfg(i), 'bird_ipam.cfg': renderBirdIpamCfg(i, opts) };
}
