/** Node-only edges of the speaker: real TCP and the wall clock. */
export { tcpTransport } from './transport-tcp.ts';
export { realClock } from './clock-real.ts';
