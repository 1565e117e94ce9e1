/**
 * WebSocket input is bounded and hostile frames close only their own socket: an oversize
 * frame, an unmasked frame, a reserved opcode, RSV bits and invalid UTF-8 each end that
 * connection with the RFC 6455 close code while the server keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { loadTopology } from '../../engine/model/load.ts';
import { SimLab } from '../../engine/runtime/sim/sim-lab.ts';
import { serveUi, WS_MAX_PAYLOAD, type UiServer } from '../../engine/server/index.ts';

let ui: UiServer;
// Without the server's handlers a bad frame surfaces here (and kills `podlab up` outside a test).
const uncaught: Error[] = [];
const onUncaught = (e: Error): void => { uncaught.push(e); };

beforeAll(async () => {
  const t = await loadTopology('topologies/two-nodes.yaml');
  ui = await serveUi(SimLab.deploy(t.topology!), { port: 0, build: false });
  process.on('uncaughtException', onUncaught);
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await ui?.close();
});

/** A client frame: FIN + opcode in byte 0 (plus any RSV bits), masked unless told not to. */
function frame(first: number, payload: Buffer, masked = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([first, (masked ? 0x80 : 0) | len]) : Buffer.from([first, (masked ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, mask, body]);
}

/** Opens /ws by hand, writes `bytes` after the 101, and resolves with the close code the server sent (or -1). */
function rawExchange(bytes: Buffer): Promise<number> {
  return new Promise((ok, fail) => {
    const s: Socket = connect(ui.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let code = -1;
    s.on('error', () => { /* the server may reset after its close frame */ });
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!buf.subarray(0, 12).toString().includes('101')) return fail(new Error(buf.toString()));
        upgraded = true;
        buf = buf.subarray(end + 4);
        s.write(bytes);
      }
      // Skip the hello (text) and find the close frame (opcode 8): its first two payload bytes are the code.
      for (let i = 0; i + 3 < buf.length;) {
        const op = buf[i]! & 0x0f;
        let len = buf[i + 1]! & 0x7f;
        let at = i + 2;
        if (len === 126) { len = buf.readUInt16BE(at); at += 2; }
        if (at + len > buf.length) break;
        if (op === 8 && len >= 2) code = buf.readUInt16BE(at);
        i = at + len;
      }
    });
    s.on('close', () => ok(code));
    s.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${ui.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

async function stillServing(): Promise<void> {
  await new Promise((ok) => setTimeout(ok, 20)); // let a stray 'error' event fire first
  expect(uncaught.map((e) => e.message)).toEqual([]);
  const r = await fetch(`${ui.url}api/topology`);
  expect(r.status).toBe(200);
}

describe('WebSocket input', () => {
  it('closes a socket that sends a frame over the limit with 1009, and keeps serving', async () => {
    const ws = new WebSocket(`${ui.url.replace('http', 'ws')}ws`);
    ws.on('error', () => { /* the close code is what we check */ });
    await new Promise((ok) => ws.once('open', ok));
    const closed = new Promise<number>((ok) => ws.once('close', (c) => ok(c)));
    ws.send('x'.repeat(WS_MAX_PAYLOAD + 1));
    expect(await closed).toBe(1009);
    await stillServing();
  });

  it.each([
    ['an unmasked frame', frame(0x81, Buffer.from('hi'), false), 1002],
    ['a reserved opcode', frame(0x83, Buffer.from('hi')), 1002],
    ['RSV1 without an extension', frame(0xc1, Buffer.from('hi')), 1002],
    ['invalid UTF-8 in a text frame', frame(0x81, Buffer.from([0xc3, 0x28, 0xff])), 1007],
    ['an oversize length header', frame(0x82, Buffer.alloc(WS_MAX_PAYLOAD + 10)), 1009],
  ])('closes on %s with its code and keeps serving', async (_name, bytes, code) => {
    expect(await rawExchange(bytes)).toBe(code);
    await stillServing();
  });
});
