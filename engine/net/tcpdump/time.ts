/**
 * tcpdump's timestamp column: default `HH:MM:SS.uuuuuu`, `-t` none, `-tt` seconds since the
 * epoch, `-ttt` delta from the previous packet, `-tttt` date and time, `-ttttt` delta from the
 * first packet. Microseconds are rounded the way podlab's pcap writer rounds them, so a line
 * printed live matches the line real tcpdump prints from the pcap.
 */

export type TimestampStyle = 'time' | 'none' | 'epoch' | 'delta' | 'date' | 'sincefirst';

/** Splits ms into whole seconds and microseconds (µs rounded, carried into seconds). */
export function splitMs(ms: number): { sec: number; usec: number } {
  let sec = Math.floor(ms / 1000);
  let usec = Math.round((ms - sec * 1000) * 1000);
  if (usec >= 1_000_000) {
    sec += 1;
    usec -= 1_000_000;
  }
  return { sec, usec };
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const p6 = (n: number): string => String(n).padStart(6, '0');

function clock(sec: number, usec: number): string {
  const s = ((sec % 86400) + 86400) % 86400;
  return `${p2(Math.floor(s / 3600))}:${p2(Math.floor(s / 60) % 60)}:${p2(s % 60)}.${p6(usec)}`;
}

/** tcpdump's delta format (`-ttt`, `-ttttt`): " HH:MM:SS.uuuuuu" with a leading space. */
function delta(us: number): string {
  const sec = Math.floor(us / 1_000_000);
  return ` ${p2(Math.floor(sec / 3600))}:${p2(Math.floor(sec / 60) % 60)}:${p2(sec % 60)}.${p6(us % 1_000_000)}`;
}

/** Stateful timestamp printer (deltas need the previous and first packets). */
export class TimestampPrinter {
  private first: number | undefined;
  private prev: number | undefined;

  constructor(private readonly style: TimestampStyle, private readonly utcOffsetMinutes = 0) {}

  /** The timestamp column for a packet at `ms` since the epoch, with its trailing space ('' for -t). */
  format(ms: number): string {
    const { sec, usec } = splitMs(ms);
    const us = sec * 1_000_000 + usec;
    this.first ??= us;
    const prev = this.prev ?? us;
    this.prev = us;
    const local = sec + this.utcOffsetMinutes * 60;
    switch (this.style) {
      case 'none': return '';
      case 'epoch': return `${sec}.${p6(usec)} `;
      case 'delta': return `${delta(us - prev)} `;
      case 'sincefirst': return `${delta(us - this.first)} `;
      case 'date': {
        const d = new Date(local * 1000);
        return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${clock(local, usec)} `;
      }
      default: return `${clock(local, usec)} `;
    }
  }
}
