import { describe, expect, it } from 'vitest';
import { step } from '../../engine/bgp/fsm.ts';
import type { FsmConfig } from '../../engine/bgp/fsm.ts';
import { buildOpen, checkOpen, isNotification } from '../../engine/bgp/open.ts';
import type { OpenMessage } from '../../engine/bgp/codec/types.ts';

const cfg: FsmConfig = { localAs: 64512, routerId: 0x0a000001, holdTime: 90, peerAs: 64513, families: ['ipv4'], connectRetry: 5, passive: false };
const peerOpen = (over: Partial<OpenMessage> = {}): OpenMessage => ({ ...buildOpen({ localAs: 64513, routerId: 0x0a000002, holdTime: 30, peerAs: 64512, families: ['ipv4'] }), ...over });

describe('FSM (RFC 4271 §8)', () => {
  it('walks Idle → Connect → OpenSent → OpenConfirm → Established', () => {
    let t = step(cfg, 'Idle', { type: 'Start' });
    expect(t.state).toBe('Connect');
    expect(t.actions).toContainEqual({ do: 'connect' });
    expect(t.actions).toContainEqual({ do: 'timer', timer: 'connectRetry', seconds: 5 });
    t = step(cfg, 'Connect', { type: 'TcpConnected' });
    expect(t.state).toBe('OpenSent');
    expect(t.actions.find((a) => a.do === 'send')).toMatchObject({ msg: { type: 'open', myAs: 64512, holdTime: 90 } });
    expect(t.actions).toContainEqual({ do: 'timer', timer: 'hold', seconds: 240 });
    t = step(cfg, 'OpenSent', { type: 'OpenReceived', open: peerOpen() });
    expect(t.state).toBe('OpenConfirm');
    expect(t.negotiated).toMatchObject({ holdTime: 30, keepaliveTime: 10, as4: true, peerAs: 64513 });
    t = step(cfg, 'OpenConfirm', { type: 'KeepaliveReceived' }, t.negotiated);
    expect(t.state).toBe('Established');
    expect(t.actions.some((a) => a.do === 'established')).toBe(true);
  });

  it('passive peers wait in Active without dialing', () => {
    const t = step({ ...cfg, passive: true }, 'Idle', { type: 'Start' });
    expect(t.state).toBe('Active');
    expect(t.actions.some((a) => a.do === 'connect')).toBe(false);
  });

  it('rejects a bad peer AS with 2/2 carrying the AS the peer claimed', () => {
    const t = step(cfg, 'OpenSent', { type: 'OpenReceived', open: peerOpen({ capabilities: [{ kind: 'as4', asn: 64599 }], myAs: 64599 }) });
    expect(t.state).toBe('Idle');
    const sent = t.actions.find((a) => a.do === 'send');
    expect(sent).toMatchObject({ msg: { type: 'notification', code: 2, subcode: 2, data: new Uint8Array([0, 0, 0xfc, 0x57]) } });
    expect(t.reason.kind).toBe('open-rejected');
  });

  it('answers hold time 1 or 2 with 2/6, accepts 0 and 3', () => {
    for (const h of [1, 2]) {
      const r = checkOpen(cfg, peerOpen({ holdTime: h }));
      expect(isNotification(r) && [r.code, r.subcode]).toEqual([2, 6]);
    }
    for (const h of [0, 3]) expect(isNotification(checkOpen(cfg, peerOpen({ holdTime: h })))).toBe(false);
    const zero = checkOpen(cfg, peerOpen({ holdTime: 0 }));
    expect(!isNotification(zero) && [zero.holdTime, zero.keepaliveTime]).toEqual([0, 0]);
  });

  it('negotiates 4-octet AS only when both sides advertise it, and MP families by intersection', () => {
    const old = peerOpen({ capabilities: [] });
    const r = checkOpen({ ...cfg, families: ['ipv4', 'ipv6'] }, old);
    expect(!isNotification(r) && r.as4).toBe(false);
    expect(!isNotification(r) && r.families).toEqual(['ipv4']);
    const v6 = checkOpen({ ...cfg, families: ['ipv4', 'ipv6'] }, peerOpen({ capabilities: [{ kind: 'multiprotocol', afi: 2, safi: 1 }] }));
    expect(!isNotification(v6) && v6.families).toEqual(['ipv6']);
  });

  it('rejects our own BGP id (2/3)', () => {
    const r = checkOpen(cfg, peerOpen({ bgpId: cfg.routerId }));
    expect(isNotification(r) && r.subcode).toBe(3);
  });

  it('hold timer expiry sends 4/0 and tears the session down', () => {
    const n = checkOpen(cfg, peerOpen());
    if (isNotification(n)) throw new Error('unexpected');
    const t = step(cfg, 'Established', { type: 'HoldTimerExpires' }, n);
    expect(t.state).toBe('Idle');
    expect(t.actions[0]).toMatchObject({ do: 'send', msg: { code: 4, subcode: 0 } });
    expect(t.actions.some((a) => a.do === 'down')).toBe(true);
  });

  it('Stop sends Cease/2 by default; an UPDATE in OpenSent is an FSM error 5/1', () => {
    expect(step(cfg, 'OpenSent', { type: 'Stop' }).actions[0]).toMatchObject({ msg: { code: 6, subcode: 2 } });
    expect(step(cfg, 'OpenSent', { type: 'UpdateReceived' }).actions[0]).toMatchObject({ msg: { code: 5, subcode: 1 } });
  });

  it('a failed dial falls back to Active and retries on ConnectRetry', () => {
    let t = step(cfg, 'Connect', { type: 'TcpFails', error: 'ECONNREFUSED' });
    expect(t.state).toBe('Active');
    t = step(cfg, 'Active', { type: 'ConnectRetryTimerExpires' });
    expect(t.state).toBe('Connect');
    expect(t.actions).toContainEqual({ do: 'connect' });
  });
});
