/**
 * The retransmission timeout estimator of RFC 6298 with Linux's floor: SRTT and RTTVAR from
 * Karn-filtered samples (never from retransmitted segments), RTO = SRTT + max(4·RTTVAR,
 * RTO_MIN), which is how tcp_rtt_estimator()/tcp_set_rto() end up at ~201 ms on a LAN
 * (`ss -i` shows rto:201). Exponential backoff doubles it per timeout up to RTO_MAX.
 */
import type { TcpTunables } from './types.ts';

/** RTT state of one connection. */
export class RtoEstimator {
  srtt: number | undefined;
  rttvar = 0;
  /** Consecutive timeouts (the backoff exponent). */
  backoff = 0;

  constructor(private readonly t: Pick<TcpTunables, 'initialRtoMs' | 'minRtoMs' | 'maxRtoMs'>) {}

  /** Feeds one RTT measurement (ms). */
  sample(r: number): void {
    if (this.srtt === undefined) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
  }

  /** The RTO without backoff. */
  base(): number {
    if (this.srtt === undefined) return this.t.initialRtoMs;
    return Math.min(this.t.maxRtoMs, this.srtt + Math.max(4 * this.rttvar, this.t.minRtoMs));
  }

  /** The RTO to arm now (with backoff). */
  current(): number {
    return Math.min(this.t.maxRtoMs, this.base() * 2 ** this.backoff);
  }
}
