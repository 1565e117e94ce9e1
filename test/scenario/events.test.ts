import { describe, it, expect } from 'vitest';
import { checkEvent, validateEvent, registerEventType, SCHEMA_VERSION } from '../../engine/events.ts';

const base = { seq: 0, t: 1.5, step: 2 };

describe('event schema', () => {
  it('accepts well-formed core events and survives a JSON round trip', () => {
    const evs = [
      { ...base, type: 'run-start', schemaVersion: SCHEMA_VERSION, scenario: { name: 's', file: 'f' }, topology: 't', runtime: 'sim', clock: 'virtual', seed: 1, steps: 3 },
      { ...base, type: 'command', node: 'a', argv: ['ip', 'r'], stdout: '', stderr: '', code: 0, start: 1, phase: 'step' },
      { ...base, type: 'expectation', kind: 'route', text: 'x', expected: { a: [1, 'b'] }, observed: null, pass: false },
      { ...base, type: 'packet', hop: 'tx', node: 'a', dev: 'eth0', eth: { src: 'x', dst: 'y', etherType: 2048 },
        ip: { src: '10.0.0.1', dst: '10.0.0.2', proto: 1, ttl: 64, len: 84, df: true, icmp: { type: 8, code: 0 }, text: 'IP …' }, frame: { capture: 'a:eth0', index: 0 } },
      { ...base, type: 'routes', node: 'a', added: [{ table: 254, type: 'unicast', dst: '0.0.0.0/0', proto: 'boot', scope: 'global', metric: 0, onlink: false, text: 'default via 10.0.0.1 dev eth0' }], removed: [] },
    ];
    for (const e of evs) {
      expect(checkEvent(e)).toBeUndefined();
      expect(validateEvent(JSON.parse(JSON.stringify(e)))).toBe(true);
    }
  });

  it('names the wrong field', () => {
    expect(checkEvent({ ...base, type: 'packet', hop: 'teleport', node: 'a' })).toBe("'hop' must be one of tx, rx, forward, deliver, drop, encap, decap, arp, nat");
    expect(checkEvent({ ...base, type: 'command', node: 'a', argv: 'ip r', stdout: '', stderr: '', code: 0, start: 0, phase: 'step' })).toBe("'argv' must be a list of strings");
    expect(checkEvent({ seq: 0, t: 'now', step: 0, type: 'run-end' })).toBe("'t' must be a number");
    expect(checkEvent({ ...base, type: 'frobnicate' })).toBe("unknown event type 'frobnicate'");
    expect(checkEvent([])).toBe('an event must be an object');
    expect(checkEvent({ ...base, type: 'packet', hop: 'rx', node: 'a', frame: { capture: 'a:eth0' } })).toBe("'index' must be a number");
  });

  it('extension events: unknown dotted types pass on base fields, registered ones are checked', () => {
    expect(checkEvent({ ...base, type: 'bgp.session', peer: '10.0.0.1', state: 'Established' })).toBeUndefined();
    registerEventType('test-ext.session', (e) => (typeof e.peer === 'string' ? undefined : "'peer' must be a string"));
    expect(checkEvent({ ...base, type: 'test-ext.session', peer: 1 })).toBe("'peer' must be a string");
    expect(checkEvent({ ...base, type: 'test-ext.session', peer: 'x' })).toBeUndefined();
    expect(() => registerEventType('nodot', () => undefined)).toThrow(/must be dotted/);
  });
});
