/** Netfilter for the simulator: iptables tables and rules, ipset, conntrack, NAT, and the tools. */
export { Netfilter } from './netfilter.ts';
export type { NetfilterOptions } from './netfilter.ts';
export { Ruleset, NfError, BUILTIN_CHAINS, SAVE_ORDER, CT_STATES, REJECT_WITH, newTables, isTableName } from './rules.ts';
export type { TableName, Table, Chain, Rule, RuleSpec, Match, PortMatch, Target, PortRange, NatRange, CtStateName } from './rules.ts';
export { IpSet, IpsetStore, IpsetError } from './ipset.ts';
export type { IpsetType } from './ipset.ts';
export { Conntrack, CT_TIMEOUTS } from './conntrack.ts';
export type { CtEntry, CtState, CtDir, CtResult, TcpCtState } from './conntrack.ts';
export { tupleOf, invert, tupleKey, quotedTuple } from './tuple.ts';
export type { Tuple } from './tuple.ts';
export { parseIptables } from './parse.ts';
export type { IptInvocation, IptCommand } from './parse.ts';
export { formatRule, formatRuleSpec, saveString } from './format.ts';
export { listChains, listRules } from './list.ts';
export type { ListOptions } from './list.ts';
export { ruleMatches, ifaceMatches } from './match.ts';
export { ipv4Length, logLine } from './packetops.ts';
export {
  iptables, iptablesSave, iptablesRestore, ipset, conntrack, runNetfilterCommand, splitLine, ctimeOf,
} from './commands.ts';
export type { CmdResult } from './commands.ts';
