/** Shared helpers for speaker tests on the in-memory transport with a fake clock. */
import { FakeClock } from '../../engine/bgp/clock-fake.ts';
import { wireCodec } from '../../engine/bgp/codec-adapter.ts';
import type { SpeakerConfig } from '../../engine/bgp/config.ts';
import { Speaker } from '../../engine/bgp/speaker.ts';
import type { SpeakerEvent } from '../../engine/bgp/speaker.ts';
import { MemoryNetwork } from '../../engine/bgp/transport-memory.ts';

/** A fake clock plus an in-memory network whose deliveries are 0 ms timers on that clock. */
export function lab(): { clock: FakeClock; net: MemoryNetwork; speaker(cfg: SpeakerConfig): { sp: Speaker; events: SpeakerEvent[] }; run(ms: number): void } {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ defer: (fn) => { clock.setTimer(0, fn); } });
  return {
    clock,
    net,
    speaker(cfg) {
      const sp = new Speaker(cfg, { clock, transport: net, codec: wireCodec });
      const events: SpeakerEvent[] = [];
      sp.on((e) => events.push(e));
      return { sp, events };
    },
    run(ms) {
      // Step in small increments so 0 ms deliveries interleave with timers like real time.
      for (let t = 0; t < ms; t += 10) clock.advance(10);
    },
  };
}
