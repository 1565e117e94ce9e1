/**
 * @module engine/bgp — podlab's BGP-4 speaker.
 *
 * Pure cores (FSM, RIBs, decision process, policy, views) plus injected edges: a `Clock`
 * (real, fake, or the simulator's virtual clock), a `Transport` of byte streams (node:net TCP,
 * in-memory, or the simulator's TCP) and the wire codec (`./codec/`). Node-only pieces
 * (`transport-tcp.ts`, `clock-real.ts`) are exported from `./node.ts`, not from here, so this
 * entry stays importable from the browser bundle.
 */
export type { Clock, CancelTimer } from './clock.ts';
export { FakeClock } from './clock-fake.ts';
export type { ByteStream, Endpoint, Listener, Transport, ConnectCallback } from './transport.ts';
export { MemoryNetwork, memoryPair } from './transport-memory.ts';
export type { Defer } from './transport-memory.ts';
export { wireCodec } from './codec-adapter.ts';
export type { WireCodec, SessionConfig, SessionHooks } from './session.ts';
export { Session } from './session.ts';
export { step, idle, connect, active, openSentState, openConfirm, established, OPEN_SENT_HOLD } from './fsm.ts';
export type { State, FsmEvent, Action, Reason, FsmConfig, Transition, TimerName } from './fsm.ts';
export { buildOpen, checkOpen, openAsn, notification, describeNotification, isNotification } from './open.ts';
export type { Negotiated, OpenConfig, Family } from './open.ts';
export { Speaker, canonicalPrefix } from './speaker.ts';
export type { SpeakerEvent, SpeakerDeps, PeerState } from './speaker.ts';
export type { SpeakerConfig, PeerConfig, AnnounceConfig } from './config.ts';
export { parseSpeakerConfig } from './config-file.ts';
export type { ConfigResult } from './config-file.ts';
export { showProtocols, showRoute, clockTime } from './views.ts';
export type { TimeFormat } from './views.ts';
export { fromWireUpdate, toWireUpdates, toWireAttributes, mergeAs4Path, endOfRib } from './wire-map.ts';
export type { ReceivedUpdate } from './wire-map.ts';
export * from './rib/attrs.ts';
export type { PeerRef, Route, Afi } from './rib/route.ts';
export { afiOf } from './rib/route.ts';
export { COMPARATORS, comparePaths, selectBest } from './rib/decision.ts';
export type { BestPathReason, Comparator, DecisionContext } from './rib/decision.ts';
export { LocRib } from './rib/loc-rib.ts';
export type { Destination, BestChange } from './rib/loc-rib.ts';
export { AdjRibOut } from './rib/adj-rib-out.ts';
export type { UpdateBatch } from './rib/adj-rib-out.ts';
export { exportAttrs, mayAdvertise, ExportCache } from './rib/export.ts';
export type { ExportSpeaker, ExportTarget } from './rib/export.ts';
export * from './rib/policy.ts';
