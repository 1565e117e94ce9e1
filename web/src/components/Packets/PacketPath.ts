/**
 * The selected packet's path as a list: each hop with what happened and what is responsible —
 * the route the node would use now (live labs) for forward/encap hops, the reason (and
 * netfilter rule) for drops, the rewrite and the rules that chose it for NAT hops (kube-proxy's
 * KUBE-SVC draw and KUBE-SEP DNAT).
 */
import { h } from '../h.ts';
import type { HopEvent } from '../../../../engine/server/api-types.ts';
import { hopCause, needsRoute } from '../../domain/hop-cause.ts';

export interface PacketPathProps {
  readonly path: readonly HopEvent[];
  readonly routes: ReadonlyMap<string, string>;
  /** False for recordings: no route can be looked up. */
  readonly live: boolean;
}

/** The hop list. */
export function PacketPath(p: PacketPathProps) {
  if (!p.path.length) return null;
  return h('div', { className: 'packet-path', 'data-testid': 'packet-path' },
    h('div', { className: 'packet-path-title' }, `path · ${p.path.length} hops`),
    h('ol', null, p.path.map((x) => {
      // A NAT hop says what changed and why below, in full.
      const cause = x.nat ? undefined : hopCause(x, p.routes);
      const pending = !cause && needsRoute(x) ? (p.live ? 'route now: looking up…' : 'route: not known for a recording (the FIB of the past is not kept)') : undefined;
      return h('li', { key: x.seq, className: `hop hop-${x.hop}`, 'data-hop': x.hop, 'data-hop-node': x.node },
        h('span', { className: 'hop-where' }, `${x.node} ${x.hop}${x.dev ? ` ${x.dev}` : ''}${x.outDev ? ` → ${x.outDev}` : ''}`),
        (cause ?? pending) && h('span', { className: `hop-cause${x.hop === 'drop' ? ' bad' : ''}`, 'data-testid': 'hop-cause' }, cause ?? pending),
        x.nat && NatDetail({ nat: x.nat }));
    })));
}

/** A NAT hop: what was rewritten, then the nat-table rules in the order the packet took them (none on a flow's later packets: conntrack applies the binding). */
function NatDetail({ nat }: { readonly nat: NonNullable<HopEvent['nat']> }) {
  return h('div', { className: 'hop-nat', 'data-testid': 'hop-nat' },
    h('span', { className: 'hop-nat-change' }, `${nat.by} ${nat.field} ${nat.from} → ${nat.to} (${nat.hook})`),
    nat.rules?.length
      ? h('ol', { className: 'hop-nat-rules' }, nat.rules.map((r, i) => h('li', { key: i, 'data-testid': 'hop-nat-rule' }, h('code', null, r))))
      : h('span', { className: 'hop-nat-ct' }, 'by the flow\'s conntrack entry'));
}
