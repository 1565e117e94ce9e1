/**
 * The event stream of a live lab that runs no scenario (`podlab up TOPOLOGY`): Calico's own
 * events — BGP session changes, BIRD's kernel routes — from deploy on, numbered as a run's
 * would be. Without it the UI, which draws sessions and tunnels from events, showed
 * "BGP sessions (0)" while `birdc` showed them Established.
 */
import type { PodlabEvent } from '../events.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { calicoEventBody, calicoOf } from '../runtime/sim/calico.ts';
import type { NodeAgentEvent } from '../calico/node/agent.ts';
import type { LabDriver } from '../scenario/driver.ts';

/** A growing list of the lab's Calico events (empty without Calico); `close` stops following. */
export function labEvents(lab: SimLab): { readonly events: readonly PodlabEvent[]; close(): void } {
  const events: PodlabEvent[] = [];
  const c = calicoOf(lab);
  if (!c) return { events, close: () => {} };
  const add = (e: NodeAgentEvent): void => {
    const body = calicoEventBody(e);
    if (body) events.push({ seq: events.length, t: e.t, step: 0, ...body } as PodlabEvent);
  };
  for (const e of c.eventLog) add(e);
  const off = c.on(add);
  return { events, close: off };
}

/**
 * The same for a lab on real nodes that runs no scenario: the driver relays its agents' events
 * (BGP sessions from `birdc show protocols`, Felix changes) and its captures' packets, keeping
 * those from before the first subscriber; each is appended to `events`, numbered as a run's.
 */
export function followDriver(driver: LabDriver, events: PodlabEvent[]): void {
  driver.onPacket((body) => void events.push({ seq: events.length, t: driver.now(), step: 0, ...body } as PodlabEvent));
}
