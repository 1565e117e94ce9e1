/**
 * Name rules. Node, VLAN and topology names become hostnames, container and namespace names
 * and Kubernetes node names, so they must be RFC 1123 DNS labels; interface names reach the
 * kernel (IFNAMSIZ 16 with the NUL, so 15 characters; no '/' or whitespace).
 */
import type { Source } from './source.ts';
import type { Located } from './types.ts';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Why `name` is not an RFC 1123 DNS label, or undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 63) return `is ${name.length} characters long (at most 63)`;
  if (!DNS_LABEL.test(name)) {
    return 'is not a DNS label (lowercase letters, digits and inner hyphens only, like rack1-tor)';
  }
  return undefined;
}

/** Why `name` cannot be a Linux interface name, or undefined when it can. */
export function ifaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 15) return `is ${name.length} characters long (Linux allows at most 15)`;
  if (name === '.' || name === '..') return 'is reserved by the kernel';
  if (/[\s/:]/.test(name)) return "contains a space, '/' or ':' (the kernel and endpoint syntax reject them)";
  return undefined;
}

/** Reports a name that is not a DNS label; returns true when it is one. */
export function checkDnsName(src: Source, name: Located<string>, what: string): boolean {
  const why = dnsLabelProblem(name.value);
  if (why) src.problems.error(name.loc, `${what} '${name.value}' ${why}`, 'rename it, e.g. rack1-tor');
  return !why;
}
