/**
 * A driver's event stream: events emitted before anyone listens (Calico's start, the first
 * captured frames) wait, in order, for the first subscriber — the runner subscribes only
 * after deploy — then flow straight through.
 */
import type { EventBody } from '../events.ts';

/** Holds early events until the first subscriber, then relays every event to every subscriber. */
export class EventRelay {
  private readonly listeners: ((e: EventBody) => void)[] = [];
  private pending: EventBody[] | undefined = [];

  /** Hands an event on (or keeps it until the first subscriber); undefined is ignored. */
  forward(body: EventBody | undefined): void {
    if (!body) return;
    if (this.pending && this.listeners.length === 0) {
      this.pending.push(body);
      return;
    }
    for (const f of this.listeners) f(body);
  }

  /** Subscribes; the first subscriber receives the events kept so far. */
  subscribe(fn: (e: EventBody) => void): void {
    this.listeners.push(fn);
    const early = this.pending ?? [];
    this.pending = undefined;
    for (const b of early) fn(b);
  }
}
