/**
 * Capabilities advertisement (RFC 5492) — one code per entry, parsed or kept raw.
 *
 * A capability whose value does not have the shape its RFC gives is kept as `unknown` with
 * its bytes rather than failing the OPEN: RFC 5492 asks speakers to ignore what they do not
 * understand, and a raw value re-encodes to the same bytes.
 */
import { ByteReader, ByteWriter } from './bytes.ts';
import { CAP, type AddPathMode, type Capability } from './types.ts';

const ADD_PATH_MODES: Record<number, AddPathMode> = { 1: 'receive', 2: 'send', 3: 'both' };
const ADD_PATH_CODES: Record<AddPathMode, number> = { receive: 1, send: 2, both: 3 };

/** Writes one capability (code, length, value). */
export function writeCapability(w: ByteWriter, c: Capability): void {
  const code = capabilityCode(c);
  const v = new ByteWriter(32);
  switch (c.kind) {
    case 'multiprotocol':
      v.u16(c.afi).u8(0).u8(c.safi);
      break;
    case 'route-refresh':
    case 'route-refresh-cisco':
    case 'enhanced-route-refresh':
    case 'extended-message':
      break;
    case 'as4':
      v.u32(c.asn);
      break;
    case 'graceful-restart':
      v.u16((c.restarting ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | (c.time & 0x0fff));
      for (const f of c.families) v.u16(f.afi).u8(f.safi).u8(f.forwarding ? 0x80 : 0);
      break;
    case 'add-path':
      for (const f of c.families) v.u16(f.afi).u8(f.safi).u8(ADD_PATH_CODES[f.mode]);
      break;
    case 'extended-next-hop':
      for (const e of c.entries) v.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
      break;
    case 'fqdn': {
      const h = new TextEncoder().encode(c.hostname);
      const d = new TextEncoder().encode(c.domain);
      v.u8(h.length).bytes(h).u8(d.length).bytes(d);
      break;
    }
    case 'llgr':
      for (const f of c.families) {
        v.u16(f.afi).u8(f.safi).u8(f.flags);
        v.u8(f.staleTime >>> 16).u16(f.staleTime & 0xffff);
      }
      break;
    case 'unknown':
      v.bytes(c.value);
      break;
  }
  const value = v.finish();
  if (value.length > 255) throw new RangeError(`capability ${code} value is ${value.length} bytes (max 255)`);
  w.u8(code).u8(value.length).bytes(value);
}

/** The IANA code of a capability. */
export function capabilityCode(c: Capability): number {
  switch (c.kind) {
    case 'multiprotocol': return CAP.MULTIPROTOCOL;
    case 'route-refresh': return CAP.ROUTE_REFRESH;
    case 'route-refresh-cisco': return CAP.ROUTE_REFRESH_CISCO;
    case 'enhanced-route-refresh': return CAP.ENHANCED_ROUTE_REFRESH;
    case 'extended-message': return CAP.EXTENDED_MESSAGE;
    case 'as4': return CAP.AS4;
    case 'graceful-restart': return CAP.GRACEFUL_RESTART;
    case 'add-path': return CAP.ADD_PATH;
    case 'extended-next-hop': return CAP.EXTENDED_NEXT_HOP;
    case 'fqdn': return CAP.FQDN;
    case 'llgr': return CAP.LLGR;
    case 'unknown': return c.code;
  }
}

/** Parses one capability value; anything malformed comes back as `unknown` with its bytes. */
export function parseCapability(code: number, value: Uint8Array): Capability {
  const raw: Capability = { kind: 'unknown', code, value };
  const r = new ByteReader(value);
  const n = value.length;
  switch (code) {
    case CAP.MULTIPROTOCOL:
      if (n !== 4 || value[2] !== 0) return raw;
      return { kind: 'multiprotocol', afi: r.u16(), safi: (r.u8(), r.u8()) };
    case CAP.ROUTE_REFRESH:
      return n === 0 ? { kind: 'route-refresh' } : raw;
    case CAP.ROUTE_REFRESH_CISCO:
      return n === 0 ? { kind: 'route-refresh-cisco' } : raw;
    case CAP.ENHANCED_ROUTE_REFRESH:
      return n === 0 ? { kind: 'enhanced-route-refresh' } : raw;
    case CAP.EXTENDED_MESSAGE:
      return n === 0 ? { kind: 'extended-message' } : raw;
    case CAP.AS4:
      return n === 4 ? { kind: 'as4', asn: r.u32() } : raw;
    case CAP.GRACEFUL_RESTART: {
      // Reserved flag bits and per-family bits other than F are not modelled: keep raw.
      if (n < 2 || (n - 2) % 4 !== 0 || (value[0]! & 0x30) !== 0) return raw;
      const head = r.u16();
      const families = [];
      while (r.remaining > 0) {
        const afi = r.u16();
        const safi = r.u8();
        const flags = r.u8();
        if ((flags & 0x7f) !== 0) return raw;
        families.push({ afi, safi, forwarding: (flags & 0x80) !== 0 });
      }
      return {
        kind: 'graceful-restart',
        restarting: (head & 0x8000) !== 0,
        notification: (head & 0x4000) !== 0,
        time: head & 0x0fff,
        families,
      };
    }
    case CAP.ADD_PATH: {
      if (n === 0 || n % 4 !== 0) return raw;
      const families = [];
      while (r.remaining > 0) {
        const afi = r.u16();
        const safi = r.u8();
        const mode = ADD_PATH_MODES[r.u8()];
        if (!mode) return raw;
        families.push({ afi, safi, mode });
      }
      return { kind: 'add-path', families };
    }
    case CAP.EXTENDED_NEXT_HOP: {
      if (n === 0 || n % 6 !== 0) return raw;
      const entries = [];
      while (r.remaining > 0) entries.push({ afi: r.u16(), safi: r.u16(), nextHopAfi: r.u16() });
      return { kind: 'extended-next-hop', entries };
    }
    case CAP.FQDN: {
      if (n < 2) return raw;
      const hl = value[0]!;
      if (1 + hl + 1 > n) return raw;
      const dl = value[1 + hl]!;
      if (2 + hl + dl !== n) return raw;
      try {
        const dec = new TextDecoder('utf-8', { fatal: true });
        const hostname = dec.decode(value.subarray(1, 1 + hl));
        const domain = dec.decode(value.subarray(2 + hl, 2 + hl + dl));
        // Only keep it parsed if it re-encodes to the same bytes.
        if (new TextEncoder().encode(hostname).length !== hl || new TextEncoder().encode(domain).length !== dl) return raw;
        return { kind: 'fqdn', hostname, domain };
      } catch {
        return raw;
      }
    }
    case CAP.LLGR: {
      if (n % 7 !== 0) return raw;
      const families = [];
      while (r.remaining > 0) {
        const afi = r.u16();
        const safi = r.u8();
        const flags = r.u8();
        const staleTime = ((r.u8() << 16) | r.u16()) >>> 0;
        families.push({ afi, safi, flags, staleTime });
      }
      return { kind: 'llgr', families };
    }
    default:
      return raw;
  }
}

/** Reads the capabilities packed in one optional parameter; null when lengths overrun. */
export function readCapabilities(value: Uint8Array): Capability[] | null {
  const out: Capability[] = [];
  let i = 0;
  while (i < value.length) {
    if (i + 2 > value.length) return null;
    const code = value[i]!;
    const len = value[i + 1]!;
    if (i + 2 + len > value.length) return null;
    out.push(parseCapability(code, value.slice(i + 2, i + 2 + len)));
    i += 2 + len;
  }
  return out;
}
