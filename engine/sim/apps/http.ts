/**
 * HTTP on the simulated TCP stack: the built-in server a pod runs on each TCP containerPort
 * (it answers every request with the pod's name, like agnhost's serve-hostname, so a probe
 * through a Service shows which backend replied) and `curl` (7.88, Debian 12) to ask it.
 * Everything runs in virtual time; curl's exit codes and error lines are the real ones.
 */
import { isIPv4 } from '../../net/ip.ts';
import type { Kernel } from '../kernel.ts';
import { connect, listen } from '../tcp/index.ts';
import type { TcpSocket } from '../tcp/index.ts';
import type { ToolResult } from '../tools/argv.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Starts an HTTP server answering `body` (e.g. the pod's name) on a port; returns its closer. */
export function startHttpServer(k: Kernel, port: number, body: string, owner = 'podlab-http'): () => void {
  const l = listen(k, { port, owner }, (s: TcpSocket) => {
    let req = '';
    s.setHandlers({
      onData: (chunk) => {
        req += dec.decode(chunk);
        if (!req.includes('\r\n\r\n')) return;
        const first = req.split('\r\n', 1)[0] ?? '';
        const head = first.startsWith('HEAD ');
        const payload = `${body}\n`;
        s.write(enc.encode(`HTTP/1.1 200 OK\r\nServer: podlab\r\nContent-Type: text/plain\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n${head ? '' : payload}`));
        s.end();
      },
      onEnd: () => s.end(),
    });
  });
  return () => l.close();
}

interface CurlArgs { url: string; host: string; port: number; path: string; silent: boolean; showErrors: boolean; include: boolean; head: boolean; maxMs?: number; connectMs?: number }

function parseCurl(args: readonly string[]): CurlArgs | ToolResult {
  let silent = false; let showErrors = false; let include = false; let head = false;
  let maxMs: number | undefined; let connectMs: number | undefined;
  let url: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-m' || a === '--max-time') maxMs = Number(args[++i]) * 1000;
    else if (a === '--connect-timeout') connectMs = Number(args[++i]) * 1000;
    else if (/^-[sSiIf]+$/.test(a)) {
      silent ||= a.includes('s'); showErrors ||= a.includes('S'); include ||= a.includes('i'); head ||= a.includes('I');
    } else if (a === '--silent') silent = true;
    else if (a === '--show-error') showErrors = true;
    else if (a.startsWith('-')) return { stdout: '', stderr: `curl: option ${a}: is unknown (podlab's curl: -s -S -i -I -m --connect-timeout URL)\ncurl: try 'curl --help' or 'curl --manual' for more information\n`, code: 2 };
    else url = a;
  }
  if (url === undefined) return { stdout: '', stderr: "curl: try 'curl --help' or 'curl --manual' for more information\n", code: 2 };
  const m = /^(?:http:\/\/)?([^/:]+)(?::(\d+))?(\/.*)?$/.exec(url);
  if (!m || /^[a-z]+:\/\//.test(url) && !url.startsWith('http://')) return { stdout: '', stderr: `curl: (1) Protocol "${url.split(':')[0]}" not supported\n`, code: 1 };
  return { url, host: m[1]!, port: m[2] ? Number(m[2]) : 80, path: m[3] ?? '/', silent, showErrors, include, head, ...(maxMs !== undefined ? { maxMs } : {}), ...(connectMs !== undefined ? { connectMs } : {}) };
}

/** `curl [-sSiI] [-m S] [--connect-timeout S] http://HOST[:PORT]/PATH` from a simulated node. */
export function curlOnKernel(k: Kernel, args: readonly string[]): ToolResult {
  const a = parseCurl(args);
  if ('code' in a) return a;
  const quiet = a.silent && !a.showErrors;
  const fail = (code: number, msg: string): ToolResult => ({ stdout: '', stderr: quiet ? '' : `curl: (${code}) ${msg}\n`, code });
  if (!isIPv4(a.host)) return fail(6, `Could not resolve host: ${a.host}`);
  const start = k.clock.nowMs();
  let connected = false;
  let done: { err?: string; code?: number } | undefined;
  let resp = '';
  const s = connect(k, { dst: a.host, port: a.port, owner: 'curl' }, {
    onConnect: () => {
      connected = true;
      s.write(enc.encode(`${a.head ? 'HEAD' : 'GET'} ${a.path} HTTP/1.1\r\nHost: ${a.host}${a.port === 80 ? '' : `:${a.port}`}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n`));
    },
    onData: (chunk) => { resp += dec.decode(chunk); },
    onEnd: () => { done ??= {}; s.end(); },
    onClose: (err) => {
      if (done) return;
      const took = k.clock.nowMs() - start;
      if (!err) { done = {}; return; }
      if (connected) done = { code: 56, err: `Recv failure: ${err.message}` };
      else if (err.code === 'ETIMEDOUT') done = { code: 28, err: `Failed to connect to ${a.host} port ${a.port} after ${took} ms: Couldn't connect to server` };
      else done = { code: 7, err: `Failed to connect to ${a.host} port ${a.port} after ${took} ms: ${err.code === 'ECONNREFUSED' ? "Couldn't connect to server" : err.message}` };
    },
  });
  const limit = Math.min(a.maxMs ?? Infinity, a.connectMs ?? Infinity, 300_000);
  if (!k.clock.runWhile(() => done === undefined, limit)) {
    s.destroy();
    const took = k.clock.nowMs() - start;
    return connected || a.maxMs !== undefined && (a.connectMs === undefined || a.maxMs <= a.connectMs)
      ? fail(28, `${connected ? 'Operation' : 'Connection'} timed out after ${took} milliseconds with 0 bytes received`)
      : fail(28, `Failed to connect to ${a.host} port ${a.port} after ${took} ms: Timeout was reached`);
  }
  if (done!.code) return fail(done!.code, done!.err!);
  const split = resp.indexOf('\r\n\r\n');
  const headers = split < 0 ? resp : resp.slice(0, split + 4);
  const body = split < 0 ? '' : resp.slice(split + 4);
  if (!/^HTTP\/1\.[01] \d{3}/.test(headers)) return fail(52, 'Empty reply from server');
  const out = a.head ? headers : a.include ? headers + body : body;
  return { stdout: out.replace(/\r\n/g, a.head || a.include ? '\r\n' : '\n'), stderr: '', code: 0 };
}
