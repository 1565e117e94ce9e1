/** Test helper: wraps BGP messages in TCP/IPv4/Ethernet frames on port 179 as a pcap file. */
import { PcapWriter } from '../../../engine/net/pcap.ts';
import { makeFrame, makeIpv4, makeTcp } from '../../../engine/net/codec/index.ts';
import { TCP_ACK, TCP_PSH } from '../../../engine/net/packet.ts';

/** One frame per message, from 10.0.0.1:40000 to 10.0.0.2:179, sequence numbers consecutive. */
export function bgpPcap(messages: Uint8Array[]): Uint8Array {
  const w = new PcapWriter();
  let seq = 1000;
  messages.forEach((payload, i) => {
    const tcp = makeTcp({ srcPort: 40000, dstPort: 179, seq, ack: 1, flags: TCP_ACK | TCP_PSH, payload });
    seq += payload.length;
    const ip = makeIpv4({ src: 0x0a000001, dst: 0x0a000002, payload: tcp });
    w.addFrame(1_700_000_000_000 + i, makeFrame({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02', payload: ip }));
  });
  return w.bytes();
}
