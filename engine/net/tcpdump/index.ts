/**
 * tcpdump in pure TypeScript: pcap-filter(7) expressions over typed frames, `tcpdump -n`
 * output lines, and a small command front end. No Node APIs (the web UI's filter box uses it).
 */
export { compileFilter, checkFilter, parseFilterTree, encapsulated, FilterError } from './filter.ts';
export type { FilterOptions, FramePredicate, PacketMeta, HostResolver } from './filter.ts';
export { TcpdumpPrinter, formatCapture, listeningBanner, readingBanner, captureSummary } from './format.ts';
export type { FormatOptions, CapturedFrame, TimestampStyle } from './format.ts';
export { tcpdump } from './cli.ts';
export type { TcpdumpInput, CommandResult } from './cli.ts';
