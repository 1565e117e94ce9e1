/**
 * `calicoctl get nodes -o wide` and `calicoctl get ippools -o wide`, byte for byte.
 *
 * calicoctl (v3.30.7 commands/common/printer.go) executes a Go template that ends every
 * cell, the last one included, with a tab, through `tabwriter.NewWriter(os.Stdout, 5, 1, 3,
 * ' ', 0)`, then prints an empty line after the table. So every column — the last too — is
 * padded to its widest cell plus 3 spaces (at least 5), and lines carry trailing blanks.
 * Column templates come from resourcemgr/node.go and resourcemgr/ippool.go.
 */
import type { ResourceSet } from './resource-set.ts';
import { globalBgpSettings } from './resource-set.ts';

/** Lays out rows like Go's text/tabwriter(minwidth 5, padding 3) with tab-terminated cells. */
export function tabwriterTable(rows: readonly (readonly string[])[]): string {
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols; c++) {
    widths.push(Math.max(5, ...rows.map((r) => (r[c] === undefined ? 0 : [...r[c]!].length + 3))));
  }
  return rows.map((r) => `${r.map((cell, c) => cell + ' '.repeat(widths[c]! - [...cell].length)).join('')}\n`).join('');
}

/** Options of `get nodes`. */
export interface GetNodesOptions {
  readonly wide?: boolean;
}

/**
 * `calicoctl get nodes [-o wide]`: NAME (ASN IPV4 IPV6). A node without its own AS shows
 * the inherited global one in parentheses, e.g. `(64512)`.
 */
export function calicoctlGetNodes(set: ResourceSet, opts: GetNodesOptions = {}): string {
  const global = globalBgpSettings(set).asNumber;
  const rows: string[][] = [opts.wide ? ['NAME', 'ASN', 'IPV4', 'IPV6'] : ['NAME']];
  // The datastore lists by key, i.e. sorted by name.
  for (const n of byName(set.nodes)) {
    if (!opts.wide) {
      rows.push([n.meta.name]);
      continue;
    }
    const bgp = n.spec.bgp;
    // The template prints nothing at all for a node without a bgp section.
    const asn = bgp ? (bgp.asNumber !== undefined ? String(bgp.asNumber) : `(${global})`) : '';
    rows.push([n.meta.name, asn, bgp?.ipv4Address ?? '', bgp?.ipv6Address ?? '']);
  }
  return `${tabwriterTable(rows)}\n`;
}

/** Options of `get ippools`. */
export interface GetIPPoolsOptions {
  readonly wide?: boolean;
  /** v3.30+ calicoctl appends ASSIGNMENTMODE to the wide columns. */
  readonly assignmentMode?: boolean;
}

/**
 * `calicoctl get ippools [-o wide]`: NAME CIDR SELECTOR, or wide NAME CIDR NAT IPIPMODE
 * VXLANMODE DISABLED DISABLEBGPEXPORT SELECTOR [ASSIGNMENTMODE].
 */
export function calicoctlGetIPPools(set: ResourceSet, opts: GetIPPoolsOptions = {}): string {
  const head = opts.wide
    ? ['NAME', 'CIDR', 'NAT', 'IPIPMODE', 'VXLANMODE', 'DISABLED', 'DISABLEBGPEXPORT', 'SELECTOR', ...(opts.assignmentMode ? ['ASSIGNMENTMODE'] : [])]
    : ['NAME', 'CIDR', 'SELECTOR'];
  const rows: string[][] = [head];
  for (const p of byName(set.ipPools)) {
    const s = p.spec;
    rows.push(opts.wide
      ? [p.meta.name, s.cidr, String(s.natOutgoing), s.ipipMode, s.vxlanMode, String(s.disabled), String(s.disableBGPExport), s.nodeSelector,
        ...(opts.assignmentMode ? [s.assignmentMode] : [])]
      : [p.meta.name, s.cidr, s.nodeSelector]);
  }
  return `${tabwriterTable(rows)}\n`;
}

function byName<T extends { readonly meta: { readonly name: string } }>(xs: readonly T[]): T[] {
  return [...xs].sort((a, b) => (a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0));
}
