/** Public API of the simulated node tools (ip, bridge, sysctl and the command table). */
export { runTool, registerTool, toolNames } from './exec.ts';
export type { ToolFn } from './exec.ts';
export { runIp } from './ip.ts';
export { runBridge } from './bridge.ts';
export { runSysctl, sysctlEntries } from './sysctl.ts';
export { splitCommandLine, matches, CommandLineError, ToolFailure } from './argv.ts';
export type { ToolResult } from './argv.ts';
export type { ToolKernel } from './ip-common.ts';
export { DEFAULT_HOST } from './link-details.ts';
export type { HostFacts } from './link-details.ts';
export { formatIPv6, eui64, ipv6Addresses } from './addr-view.ts';
export { routeLine, dumpOrder, protoName } from './route-view.ts';
export { selectSource } from './ip-route.ts';
