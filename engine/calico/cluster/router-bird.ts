/**
 * A fabric router's BIRD configuration (BIRD 1.6 or 2), rendered from the topology for real
 * runtimes. It must behave as the simulator's FabricRouter (router.ts) does, so both are
 * derived from the same `routerSpeakerConfig`: same router id, AS, protocol names (so
 * `birdc show protocols` on leaf1 prints `node_1a …` in both worlds), passive and rr client
 * flags, cluster id = router id (BIRD's default and the built-in speaker's).
 *
 * Behaviour carried over from the built-in speaker and kernel-routes.ts:
 * - A router originates nothing; it relays what it learns. Its Loc-RIB holds only BGP routes,
 *   so "export all" there is `export where source = RTS_BGP` here: BIRD's table also holds
 *   the direct and kernel routes below, which must not be announced.
 * - `protocol direct` and kernel `learn` exist only so next hops resolve: iBGP routes a ToR
 *   reflects keep the far router's address, which `gateway recursive` resolves through the
 *   connected subnets and static routes (resolveNextHop does the same in the simulator).
 * - Next hops: BIRD's defaults are the simulator's (eBGP: next hop self; iBGP: unchanged).
 * - The kernel protocol installs the best BGP routes (one path: no `merge paths`) and nothing
 *   else, and removes them when BIRD stops (no `persist`).
 * - Timers as the built-in speaker's: hold 90 s, connect retry 5 s, error wait 5 s.
 */
import type { TopoNode } from '../../model/types.ts';
import { routerSpeakerConfig } from './router.ts';

/** Which BIRD reads the file. */
export type BirdDialect = 'bird1' | 'bird2';

/** Renders a topology router's bird.conf; undefined when it runs no BGP (no asn or no peers). */
export function renderRouterBird(node: TopoNode, dialect: BirdDialect): string | undefined {
  const cfg = routerSpeakerConfig(node);
  if (!cfg) return undefined;
  const v2 = dialect === 'bird2';
  const bgpOnly = 'where source = RTS_BGP';
  const out = [
    `# ${v2 ? 'BIRD 2' : 'BIRD 1.6'} configuration of router ${node.name}, rendered by podlab from the topology.`,
    `router id ${cfg.routerId};`,
    '',
    'protocol device {',
    '  scan time 2;',
    '}',
    '',
    '# Connected subnets, for resolving next hops only (never announced: see the export filters).',
    'protocol direct {',
    ...(v2 ? ['  ipv4;'] : []),
    '  interface "*";',
    '}',
    '',
    '# Installs the best BGP routes; learns static routes so next hops behind them resolve.',
    'protocol kernel {',
    ...(v2 ? ['  ipv4 {', '    import all;', `    export ${bgpOnly};`, '  };'] : ['  import all;', `  export ${bgpOnly};`]),
    '  learn;',
    '  scan time 2;',
    '}',
    '',
    'template bgp fabric {',
    `  local as ${cfg.localAS};`,
    '  hold time 90;',
    '  connect delay time 2;',
    `  connect retry time ${cfg.connectRetry ?? 5};`,
    `  error wait time ${cfg.idleHold ?? 5},${cfg.idleHold ?? 5};`,
    // Relay everything learned over BGP, as the built-in speaker does; never the direct or kernel routes.
    ...(v2 ? ['  ipv4 {', '    import all;', `    export ${bgpOnly};`, '    gateway recursive;', '  };'] : ['  import all;', `  export ${bgpOnly};`, '  gateway recursive;']),
    '}',
  ];
  for (const p of cfg.peers) {
    out.push(
      '',
      `protocol bgp ${p.name} from fabric {`,
      `  neighbor ${p.address}${p.port ? ` port ${p.port}` : ''} as ${p.as};`,
      ...(p.passive ? ['  passive on;'] : []),
      ...(p.routeReflectorClient ? ['  rr client;'] : []),
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}
