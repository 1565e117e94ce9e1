/**
 * The Felix agent of one node: read the snapshot from the datastore, compute the desired
 * dataplane, hand it to a driver. Runtimes call `sync()` after anything Felix watches
 * changed (a pod added, a policy applied, a pool switched); it is idempotent.
 */
import type { Dataplane, DataplaneChange, DesiredDataplane } from '../../dataplane/types.ts';
import type { Datastore } from '../datastore/index.ts';
import { computeDesired, podMtu } from './compute.ts';
import { readSnapshot } from './sync.ts';
import type { SnapshotExtras } from './sync.ts';

/** Felix on one node, over a datastore and a dataplane driver. */
export class FelixAgent {
  /** What the last sync asked for (for views and the UI). */
  desired: DesiredDataplane | undefined;

  constructor(
    readonly ds: Datastore,
    readonly dataplane: Dataplane,
    /** Host facts and policy-model inputs, read fresh at every sync. */
    readonly extras: () => SnapshotExtras,
  ) {}

  /** One resync: snapshot → desired → apply; returns what changed on the node. */
  async sync(): Promise<DataplaneChange[]> {
    const d = computeDesired(await readSnapshot(this.ds, this.extras()));
    this.desired = d;
    return this.dataplane.apply(d);
  }

  /** The MTU this node's Felix tells the CNI plugin to use (/var/lib/calico/mtu). */
  async podMtu(): Promise<number> {
    return podMtu(await readSnapshot(this.ds, this.extras()));
  }
}
