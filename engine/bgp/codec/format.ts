/**
 * One-line summaries of messages for logs, the UI's packet view and test failure output,
 * e.g. "UPDATE 10.0.1.0/24 via 10.0.0.1 [ORIGIN: IGP, AS_PATH: 64512]".
 */
import { formatIPv4 } from '../../net/ip.ts';
import { formatAttribute } from './attributes.ts';
import { capabilityCode } from './capabilities.ts';
import { formatNotification } from './notification.ts';
import { formatPrefix } from './prefix-text.ts';
import { isEndOfRib } from './routes.ts';
import type { BgpMessage, Capability } from './types.ts';

/** Short text of a capability, e.g. "as4 4200000001", "multiprotocol 2/1". */
export function formatCapability(c: Capability): string {
  switch (c.kind) {
    case 'multiprotocol': return `multiprotocol ${c.afi}/${c.safi}`;
    case 'as4': return `as4 ${c.asn}`;
    case 'graceful-restart':
      return `graceful-restart time ${c.time}${c.restarting ? ' R' : ''}${c.notification ? ' N' : ''} [${c.families.map((f) => `${f.afi}/${f.safi}${f.forwarding ? ' F' : ''}`).join(', ')}]`;
    case 'add-path': return `add-path [${c.families.map((f) => `${f.afi}/${f.safi} ${f.mode}`).join(', ')}]`;
    case 'extended-next-hop': return `extended-next-hop [${c.entries.map((e) => `${e.afi}/${e.safi} via ${e.nextHopAfi}`).join(', ')}]`;
    case 'fqdn': return `fqdn ${c.hostname}${c.domain ? `.${c.domain}` : ''}`;
    case 'llgr': return `llgr [${c.families.map((f) => `${f.afi}/${f.safi} ${f.staleTime}s`).join(', ')}]`;
    case 'unknown': return `capability ${capabilityCode(c)} (${c.value.length} bytes)`;
    default: return c.kind;
  }
}

/** One-line human summary of a message. */
export function formatMessage(m: BgpMessage): string {
  switch (m.type) {
    case 'open':
      return `OPEN v${m.version} AS ${m.myAs} hold ${m.holdTime} id ${formatIPv4(m.bgpId)} caps [${m.capabilities.map(formatCapability).join('; ')}]`;
    case 'keepalive':
      return 'KEEPALIVE';
    case 'notification':
      return `NOTIFICATION ${m.code}/${m.subcode} ${formatNotification(m)}`;
    case 'route-refresh':
      return `ROUTE-REFRESH ${m.afi}/${m.safi} ${m.subtype}`;
    case 'update': {
      const eor = isEndOfRib(m);
      if (eor) return `UPDATE End-of-RIB ${eor}`;
      const parts: string[] = [];
      if (m.withdrawn.length) parts.push(`withdraw ${m.withdrawn.map(formatPrefix).join(' ')}`);
      if (m.nlri.length) parts.push(`announce ${m.nlri.map(formatPrefix).join(' ')}`);
      if (m.attributes.length) parts.push(`[${m.attributes.map(formatAttribute).join(', ')}]`);
      return `UPDATE ${parts.join(' ')}`;
    }
  }
}
