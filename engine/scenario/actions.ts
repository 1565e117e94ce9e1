/**
 * The built-in step actions: exec, ping, traceroute, link, node, wait, capture. Each turns
 * its YAML into params, checks names against the topology, and runs through the LabDriver.
 */
import { isScalar, isSeq } from 'yaml';
import type { Located } from '../model/types.ts';
import { splitCommandLine, CommandLineError } from '../sim/tools/argv.ts';
import { registerAction, StepError } from './registry.ts';
import type { StepContext } from './registry.ts';
import { needString, optBool, optInt, readDuration, readEndpoint, readPercent, strictMap } from './values.ts';

/** `exec: {node, command}`: any command line (split on quotes, no shell) or argv list. */
export interface ExecParams { node: Located<string>; argv: string[] }
/** `ping: {from, to, count?, size?, df?}`. */
export interface PingParams { from: Located<string>; to: Located<string>; count: number; size?: number; df: boolean }
/** `traceroute: {from, to}`. */
export interface TracerouteParams { from: Located<string>; to: Located<string> }
/** `link: {endpoint, state?, delay?, loss?}`. */
export interface LinkParams { endpoint: Located<{ node: string; iface: string }>; state?: 'up' | 'down'; delayMs?: number; lossPct?: number }
/** `node: {name, state}`. */
export interface NodeParams { name: Located<string>; state: 'stopped' | 'started' }
/** `capture: {on: [...]}`. */
export interface CaptureParams { on: Located<{ node: string; iface: string }>[] }

registerAction<ExecParams>({
  key: 'exec',
  runsCommand: true,
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'exec', ['node', 'command']);
    if (!m) return undefined;
    const node = needString(src, m, 'node', e.keyLoc, 'exec');
    const c = m.get('command');
    if (!c) {
      src.problems.error(e.keyLoc, `exec has no 'command'`, 'add `command: ip route` (or a list of words)');
      return undefined;
    }
    let argv: string[] | undefined;
    if (isSeq(c.value)) {
      const items = src.seq(c.value, 'exec: command') ?? [];
      argv = [];
      for (const it of items) {
        const s = src.string(it, c.valueLoc, 'each word of exec: command');
        if (s) argv.push(s.value);
      }
    } else {
      const s = src.string(c.value, c.valueLoc, 'exec: command');
      if (s) {
        try {
          argv = splitCommandLine(s.value);
        } catch (err) {
          if (!(err instanceof CommandLineError)) throw err;
          src.problems.error(s.loc, `exec: command: ${err.message}`);
        }
      }
    }
    if (argv && argv.length === 0) {
      src.problems.error(c.valueLoc, 'exec: command is empty');
      return undefined;
    }
    return node && argv ? { node, argv } : undefined;
  },
  check: (p, ctx) => ctx.node(p.node.value, p.node.loc),
  describe: (p) => `${p.node.value}: ${p.argv.join(' ')}`,
  async run(p, ctx) {
    await ctx.exec(p.node.value, p.argv, 'step');
  },
});

registerAction<PingParams>({
  key: 'ping',
  runsCommand: true,
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'ping', ['from', 'to', 'count', 'size', 'df']);
    if (!m) return undefined;
    const from = needString(src, m, 'from', e.keyLoc, 'ping');
    const to = needString(src, m, 'to', e.keyLoc, 'ping');
    const count = optInt(src, m, 'count', 'ping', 1, 1000) ?? 3;
    const size = optInt(src, m, 'size', 'ping', 0, 65507);
    const df = optBool(src, m, 'df', 'ping') ?? false;
    if (!from || !to) return undefined;
    return size === undefined ? { from, to, count, df } : { from, to, count, size, df };
  },
  check(p, ctx) {
    ctx.node(p.from.value, p.from.loc);
    ctx.target(p.to.value, p.to.loc);
  },
  describe: (p) => `ping ${p.from.value} → ${p.to.value}${p.size !== undefined ? ` (${p.size} bytes${p.df ? ', DF' : ''})` : ''}`,
  async run(p, ctx) {
    const argv = ['ping', '-c', String(p.count)];
    if (p.size !== undefined) argv.push('-s', String(p.size));
    if (p.df) argv.push('-M', 'do');
    argv.push(ctx.resolveAddress(p.to.value));
    await ctx.exec(p.from.value, argv, 'step');
  },
});

registerAction<TracerouteParams>({
  key: 'traceroute',
  runsCommand: true,
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'traceroute', ['from', 'to']);
    if (!m) return undefined;
    const from = needString(src, m, 'from', e.keyLoc, 'traceroute');
    const to = needString(src, m, 'to', e.keyLoc, 'traceroute');
    return from && to ? { from, to } : undefined;
  },
  check(p, ctx) {
    ctx.node(p.from.value, p.from.loc);
    ctx.target(p.to.value, p.to.loc);
  },
  describe: (p) => `traceroute ${p.from.value} → ${p.to.value}`,
  async run(p, ctx) {
    await ctx.exec(p.from.value, ['traceroute', '-n', ctx.resolveAddress(p.to.value)], 'step');
  },
});

registerAction<LinkParams>({
  key: 'link',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'link', ['endpoint', 'state', 'delay', 'loss']);
    if (!m) return undefined;
    const epEntry = m.get('endpoint');
    if (!epEntry) src.problems.error(e.keyLoc, `link has no 'endpoint'`, 'add `endpoint: "node:eth1"`');
    const endpoint = epEntry ? readEndpoint(src, epEntry, 'link: endpoint') : undefined;
    const out: LinkParams = { endpoint: endpoint! };
    const st = m.get('state');
    if (st) {
      const s = src.string(st.value, st.valueLoc, 'link: state');
      if (s && s.value !== 'up' && s.value !== 'down') src.problems.error(s.loc, `link: state must be up or down, not '${s.value}'`);
      else if (s) out.state = s.value as 'up' | 'down';
    }
    const d = m.get('delay');
    if (d) out.delayMs = readDuration(src, d.value, d.valueLoc, 'link: delay');
    const l = m.get('loss');
    if (l) out.lossPct = readPercent(src, l.value, l.valueLoc, 'link: loss');
    if (!st && !d && !l) src.problems.error(e.keyLoc, 'link changes nothing', 'add `state: down|up`, `delay: 5ms` or `loss: 10%`');
    return endpoint ? out : undefined;
  },
  check: (p, ctx) => ctx.endpoint(`${p.endpoint.value.node}:${p.endpoint.value.iface}`, p.endpoint.loc),
  describe(p) {
    const what = [p.state, p.delayMs !== undefined ? `delay ${p.delayMs}ms` : '', p.lossPct !== undefined ? `loss ${p.lossPct}%` : ''].filter(Boolean).join(', ');
    return `link ${p.endpoint.value.node}:${p.endpoint.value.iface} ${what}`;
  },
  async run(p, ctx) {
    const { node, iface } = p.endpoint.value;
    let status;
    try {
      status = await ctx.driver.setLink(node, iface, { state: p.state, latencyMs: p.delayMs, lossPct: p.lossPct });
    } catch (e) {
      throw new StepError(`${node}:${iface}: ${(e as Error).message}`);
    }
    ctx.emit({ type: 'link-state', endpoints: [status.endpoints[0], status.endpoints[1]], state: status.state, latencyMs: status.latencyMs, lossPct: status.lossPct });
  },
});

registerAction<NodeParams>({
  key: 'node',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'node', ['name', 'state']);
    if (!m) return undefined;
    const name = needString(src, m, 'name', e.keyLoc, 'node');
    const st = needString(src, m, 'state', e.keyLoc, 'node');
    if (st && st.value !== 'stopped' && st.value !== 'started') {
      src.problems.error(st.loc, `node: state must be stopped or started, not '${st.value}'`);
      return undefined;
    }
    return name && st ? { name, state: st.value as 'stopped' | 'started' } : undefined;
  },
  check: (p, ctx) => ctx.node(p.name.value, p.name.loc),
  describe: (p) => `${p.state === 'stopped' ? 'stop' : 'start'} ${p.name.value}`,
  async run(p, ctx) {
    await ctx.driver.setNode(p.name.value, p.state);
    ctx.emit({ type: 'node-state', node: p.name.value, state: p.state });
  },
});

registerAction<number>({
  key: 'wait',
  parse: (src, e) => readDuration(src, e.value, e.valueLoc, 'wait'),
  describe: (ms) => `wait ${ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`}`,
  async run(ms, ctx: StepContext) {
    await ctx.driver.wait(ms);
  },
});

registerAction<CaptureParams>({
  key: 'capture',
  parse(src, e) {
    const m = strictMap(src, e.value, e.keyLoc, 'capture', ['on']);
    if (!m) return undefined;
    const on = m.get('on');
    if (!on) {
      src.problems.error(e.keyLoc, `capture has no 'on'`, 'add `on: ["node:eth0"]`');
      return undefined;
    }
    const items = isScalar(on.value) ? [on.value] : src.seq(on.value, 'capture: on');
    if (!items) return undefined;
    const out: CaptureParams['on'] = [];
    for (const it of items) {
      const ep = readEndpoint(src, { key: 'on', keyLoc: on.keyLoc, value: it, valueLoc: src.loc(it) }, 'capture: on');
      if (ep) out.push(ep);
    }
    return out.length ? { on: out } : undefined;
  },
  // Only the node is checked: tunl0, vxlan.calico, cali* exist at run time, not in the topology.
  check(p, ctx) {
    for (const ep of p.on) ctx.node(ep.value.node, ep.loc);
  },
  describe: (p) => `capture on ${p.on.map((e) => `${e.value.node}:${e.value.iface}`).join(', ')}`,
  async run(p, ctx) {
    for (const { value } of p.on) {
      try {
        ctx.driver.startCapture(value.node, value.iface);
      } catch (e) {
        throw new StepError((e as Error).message);
      }
      ctx.emit({ type: 'capture-start', capture: `${value.node}:${value.iface}`, node: value.node, dev: value.iface });
    }
  },
});

