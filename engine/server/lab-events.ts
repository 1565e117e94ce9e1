/**
 * The event stream of a live lab that runs no scenario (`podlab up TOPOLOGY`): Calico's own
 * events — BGP session changes, BIRD's kernel routes — from deploy on, numbered as a run's
 * would be. Without it the UI, which draws sessions and tunnels from events, showed
 * "BGP sessions (0)" while `birdc` showed them Established.
 */
import type { PodlabEvent } from '../events.ts';
import type { SimLab } from '../runtime/sim/sim-lab.ts';
import { calicoEventBody, calicoOf } from '../runtime/sim/calico.ts';
import type { LabDriver } from '../scenario/driver.ts';

/** A lab's Calico events, read by index from the cluster's compact log. */
export interface LabEventStream {
  /** Every event so far, as objects (a small lab's; the server reads pages). */
  readonly events: readonly PodlabEvent[];
  /** How many events there are now. */
  count(): number;
  /** At most `limit` events from index `since`, made for this answer. */
  page(since: number, limit: number): PodlabEvent[];
  close(): void;
}

/**
 * The lab's Calico events (none without Calico), numbered from deploy on. They are read from
 * the cluster's compact event log (engine/calico/cluster/event-log.ts) when asked for, a page
 * at a time: a converged 1,000-node fabric logs a million route events, which as objects
 * here were ~200 MB of the server's heap for a list the browser reads 5,000 at a time. Only
 * which log entries are events is kept (4 bytes each).
 */
export function labEvents(lab: SimLab): LabEventStream {
  const c = calicoOf(lab);
  if (!c) return { events: [], count: () => 0, page: () => [], close: () => {} };
  const log = c.eventLog;
  let at = new Int32Array(1024);
  let n = 0;
  let scanned = 0;
  const sync = (): void => {
    for (; scanned < log.length; scanned++) {
      if (!calicoEventBody(log.at(scanned)!)) continue;
      if (n === at.length) {
        const bigger = new Int32Array(at.length * 2);
        bigger.set(at);
        at = bigger;
      }
      at[n++] = scanned;
    }
  };
  const page = (since: number, limit: number): PodlabEvent[] => {
    sync();
    const out: PodlabEvent[] = [];
    for (let seq = Math.max(0, since); seq < n && out.length < limit; seq++) {
      const e = log.at(at[seq]!)!;
      out.push({ seq, t: e.t, step: 0, ...calicoEventBody(e)! } as PodlabEvent);
    }
    return out;
  };
  const count = (): number => {
    sync();
    return n;
  };
  return {
    get events() {
      return page(0, count());
    },
    count, page, close: () => {},
  };
}

/**
 * The same for a lab on real nodes that runs no scenario: the driver relays its agents' events
 * (BGP sessions from `birdc show protocols`, Felix changes) and its captures' packets, keeping
 * those from before the first subscriber; each is appended to `events`, numbered as a run's.
 */
export function followDriver(driver: LabDriver, events: PodlabEvent[]): void {
  driver.onPacket((body) => void events.push({ seq: events.length, t: driver.now(), step: 0, ...body } as PodlabEvent));
}
