/**
 * The simulated Linux network stack, public API.
 *
 * A World holds nodes (one Kernel = one network namespace each), the Links between their
 * NICs, one virtual clock and one trace stream. Configure kernels with the rtnetlink-style
 * ops (`addLink`, `addAddress`, `addRoute`, `addNeighbour`, `addFdb`, `setSysctl`…), read
 * them through `kernel.state`, run traffic with the apps (ping, traceroute) or `sendIp`,
 * and observe with `world.trace.on(...)` or device captures.
 */
export { World, Link } from './world.ts';
export type { WorldOptions, LinkOptions } from './world.ts';
export { Kernel, deterministicMac } from './kernel.ts';
export type { KernelHost, KernelCounters, Attachment, WireEnd } from './kernel.ts';
export { Clock, Rng, hash32 } from './clock.ts';
export type { TimerId } from './clock.ts';
export { TraceBus, DROP_REASONS } from './trace.ts';
export type { TraceEvent, DropReason } from './trace.ts';
export { Capture, capture } from './capture.ts';
export type { CapturedFrame } from './capture.ts';
export { runPing, pingOnKernel, parsePingArgs, formatTripTime } from './apps/ping.ts';
export type { PingOptions, PingResult } from './apps/ping.ts';
export { runTraceroute, tracerouteOnKernel, parseTracerouteArgs } from './apps/traceroute.ts';
export type { TracerouteOptions, TracerouteResult } from './apps/traceroute.ts';
export { ipLocalOut as sendIp, routeOutput } from './ipv4-output.ts';
export type { OutResult, OutErrno, OutRoute } from './ipv4-output.ts';
export { effective as effectiveSysctls } from './sysctl.ts';
export { NEIGH } from './neigh.ts';
export { flowSrcPort } from './tunnel-vxlan.ts';
export { compareRoutes } from './fib.ts';
export * from './types.ts';
