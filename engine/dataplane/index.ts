/**
 * The Dataplane seam: Felix's desired state as plain data, its rendering as Linux commands,
 * Felix-exact iptables rule rendering/hashing. Pure: drivers that apply it to a kernel live
 * with their runtime (the simulator's in engine/runtime/sim/dataplane-driver.ts).
 */
export type {
  DataplaneChange, Dataplane, DesiredAddress, DesiredDataplane, DesiredDevice, DesiredFdb, DesiredIpset,
  DesiredNeighbour, DesiredRoute, DesiredSysctl, IptChain, IptTable,
} from './types.ts';
export { emptyDataplane } from './types.ts';
export type { IptAction, IptMatch, IptRule } from './iptables.ts';
export { ALL_MARK_BITS, MARK, chainLines, escapeComment, lengthLimitedId, renderAction, renderMatch, renderRule, ruleHashes } from './iptables.ts';
export { addressText, deviceText, fdbText, neighbourText, routeArgv, routeText } from './render.ts';
export type { Command } from './commands.ts';
export { appendLines, insertLines, ipsetRestoreText, tableRestoreText, toCommands } from './commands.ts';
