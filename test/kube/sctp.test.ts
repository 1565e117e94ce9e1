/**
 * SCTP in the simulator: associations (INIT → INIT ACK → COOKIE ECHO → COOKIE ACK, DATA/SACK,
 * SHUTDOWN), ABORT from a port nobody listens on, `nc --sctp` probes behind `reachable` and
 * `policy`, NetworkPolicy rules with protocol SCTP and a named SCTP port, and kube-proxy's
 * rules DNATing an SCTP Service. tshark is the judge of the wire format (CRC32c included).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { haveCommands } from '../support/system.ts';
import { topology, up } from '../calico/e2e/helpers.ts';
import { parseIPv4 } from '../../engine/net/ip.ts';
import { decodeSctp, encodeSctp, initChunk, readInit, SCTP_INIT, sctpPorts, withSctpPort } from '../../engine/net/sctp.ts';
import { sctpProbe } from '../../engine/sim/sctp.ts';
import { TcpdumpPrinter } from '../../engine/net/tcpdump/index.ts';
import { loadScenario, runScenario } from '../../engine/scenario/index.ts';

const tshark = haveCommands('tshark');

/** tshark's one line per SCTP packet, `;`-separated: ports, chunk types, checksum status (1 = good) under CRC32c. */
function dissect(pcap: Uint8Array): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'podlab-sctp-'));
  try {
    const f = join(dir, 'c.pcap');
    writeFileSync(f, pcap);
    const out = execFileSync('tshark', ['-r', f, '-o', 'sctp.checksum:crc-32c', '-Y', 'sctp', '-T', 'fields', '-E', 'separator=;',
      '-e', 'sctp.srcport', '-e', 'sctp.dstport', '-e', 'sctp.chunk_type', '-e', 'sctp.checksum.status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('SCTP codec', () => {
  it('round-trips, rejects a bad checksum, and rewrites a port with a fresh checksum', () => {
    const bytes = encodeSctp({ srcPort: 40000, dstPort: 7777, vtag: 0, chunks: [initChunk(SCTP_INIT, { initiateTag: 0xdeadbeef, arwnd: 106496, outStreams: 10, inStreams: 65535, initialTsn: 42 })] });
    const p = decodeSctp(bytes)!;
    expect(p).toMatchObject({ srcPort: 40000, dstPort: 7777, vtag: 0 });
    expect(readInit(p.chunks[0]!)).toEqual({ initiateTag: 0xdeadbeef, arwnd: 106496, outStreams: 10, inStreams: 65535, initialTsn: 42 });
    const bad = bytes.slice();
    bad[20] = bad[20]! ^ 1;
    expect(decodeSctp(bad)).toBeUndefined();
    const moved = withSctpPort(bytes, 'dst', 8888);
    expect(sctpPorts(moved)).toEqual({ srcPort: 40000, dstPort: 8888 });
    expect(decodeSctp(moved)?.chunks[0]).toEqual(p.chunks[0]);
  });
});

describe('SCTP through Calico policy and kube-proxy (scenario)', () => {
  it('nc --sctp associates or meets ABORT; a named SCTP port policy allows one client; a Service\'s rules DNAT SCTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podlab-sctp-'));
    try {
      const file = join(dir, 's.yaml');
      writeFileSync(file, `name: sctp
topology: ${resolve('topologies/two-nodes.yaml')}
steps:
  - title: Calico comes up
    converge: { max: "60s" }
  - title: An SCTP server declaring a named port
    apply:
      apiVersion: v1
      kind: Pod
      metadata: { name: sctp-server, labels: { app: sctp-server } }
      spec:
        nodeName: worker-01
        containers:
          - name: echo
            image: agnhost
            ports: [{ name: sctp-echo, containerPort: 7777, protocol: SCTP }]
  - title: A client
    pod: { name: client, node: master-01, labels: { app: client } }
  - title: Another pod
    pod: { name: other, node: master-01 }
  - title: Open and closed ports
    expect:
      - reachable: { from: client, to: sctp-server, port: 7777, protocol: SCTP }
      - reachable: { from: client, to: sctp-server, port: 7778, protocol: SCTP, expect: false }
  - title: Only the client, on the named SCTP port
    apply:
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata: { name: sctp-from-client, namespace: default }
      spec:
        podSelector: { matchLabels: { app: sctp-server } }
        policyTypes: [Ingress]
        ingress:
          - from: [{ podSelector: { matchLabels: { app: client } } }]
            ports: [{ protocol: SCTP, port: sctp-echo }]
    expect:
      - policy: { from: client, to: sctp-server, port: 7777, protocol: SCTP, verdict: allow, decidedBy: sctp-from-client }
      - policy: { from: other, to: sctp-server, port: 7777, protocol: SCTP, verdict: deny }
      - policy: { from: client, to: sctp-server, port: 7777, protocol: TCP, verdict: deny }
  - title: An SCTP Service with a named targetPort
    apply:
      apiVersion: v1
      kind: Service
      metadata: { name: sctp-svc }
      spec:
        clusterIP: 10.96.77.77
        selector: { app: sctp-server }
        ports: [{ port: 7000, protocol: SCTP, targetPort: sctp-echo }]
    expect:
      - output: { node: master-01, command: "kubectl get endpoints sctp-svc", matches: "sctp-svc +10\\\\.5\\\\.\\\\d+\\\\.\\\\d+:7777 " }
      - output: { node: master-01, command: "iptables-save -t nat", contains: "-A KUBE-SERVICES -d 10.96.77.77/32 -p sctp -m comment --comment \\"default/sctp-svc cluster IP\\" -m sctp --dport 7000 -j KUBE-SVC-" }
      - output: { node: master-01, command: "iptables-save -t nat", matches: "-p sctp -m comment --comment \\"default/sctp-svc\\" -m sctp -j DNAT --to-destination 10\\\\.5\\\\.\\\\d+\\\\.\\\\d+:7777" }
      - reachable: { from: client, to: 10.96.77.77, port: 7000, protocol: SCTP }
      - reachable: { from: other, to: 10.96.77.77, port: 7000, protocol: SCTP, expect: false }
`);
      const l = await loadScenario(file);
      expect(l.problems.filter((p) => p.severity === 'error')).toEqual([]);
      const r = await runScenario(l.scenario!, l.topology!);
      const failed = r.steps.flatMap((s) => [...(s.error ? [`${s.title}: ${s.error}`] : []), ...s.expectations.filter((x) => !x.pass).map((x) => `${s.title}: ${x.text} → ${JSON.stringify(x.observed).slice(0, 300)}`)]);
      expect(failed).toEqual([]);
      const probes = r.steps.flatMap((s) => s.commands).filter((c) => c.argv[0] === 'nc');
      expect(probes[0]).toMatchObject({ argv: ['nc', '--sctp', '-z', '-v', '-w', '1', expect.stringMatching(/^10\.5\./), '7777'], code: 0, stderr: expect.stringMatching(/^Connection to \S+ 7777 port \[sctp\/\*\] succeeded!\n$/) });
      expect(probes[1]).toMatchObject({ code: 1, stderr: expect.stringMatching(/\(sctp\) failed: Connection refused\n$/) });
      if (tshark) {
        // master-01's uplink carries the probes inside IPIP; tshark reads the inner SCTP.
        const cap = r.pcaps.find((c) => c.id === 'master-01:eth0')!;
        const lines = dissect(cap.pcap);
        expect(lines.every((x) => x.endsWith(';1'))).toBe(true); // every CRC32c good
        const types = lines.map((x) => x.split(';')[2]);
        // The first open probe: INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE; the closed port: INIT, ABORT.
        expect(types.join(' ')).toMatch(/^1 2 10 11 7 8 14 1 6 /);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SCTP messages through a Service (DATA, SACK, DNAT)', async () => {
  const u = await up(await topology('topologies/two-nodes.yaml'));
  const sh = (node: string, line: string) => u.lab.execAsync(node, line);
  const dep = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: echo\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: echo}\n  template:\n    metadata:\n      labels: {app: echo}\n    spec:\n      containers:\n      - name: echo\n        image: agnhost\n        ports:\n        - {name: sctp, containerPort: 9999, protocol: SCTP}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: echo\nspec:\n  selector: {app: echo}\n  ports:\n  - {port: 9000, protocol: SCTP, targetPort: sctp}\n';
  await sh('master-01', `kubectl apply -f - <<EOF\n${dep}EOF`);
  await sh('master-01', 'kubectl run client --image=busybox');
  const client = parse((await sh('master-01', 'kubectl get pod client -o yaml')).stdout);
  const ip = parse((await sh('master-01', 'kubectl get svc echo -o yaml')).stdout).spec.clusterIP as string;

  it('each backend answers a DATA message with its name; the ClusterIP is DNATed to one of them', () => {
    const podNs = [...u.c.pods.values()].find((p) => p.name === 'client')!.podNode;
    const k = u.lab.kernel(podNs);
    const cap = u.lab.startCapture(podNs, 'eth0');
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const r = sctpProbe(k, parseIPv4(ip), 9000, new TextEncoder().encode('who?'), 2000);
      expect(r.result).toBe('open');
      names.add(new TextDecoder().decode((r as { answer: Uint8Array }).answer));
    }
    expect([...names].every((n) => /^echo-[a-z0-9]+-[a-z0-9]{5}\n$/.test(n))).toBe(true);
    expect(names.size).toBe(2);
    expect(client.spec.nodeName).toMatch(/^(master|worker)-01$/);
    if (haveCommands('tcpdump')) {
      // Our tcpdump lines are real tcpdump's for the same frames (chunks numbered, SACK+DATA bundled).
      const dir = mkdtempSync(join(tmpdir(), 'podlab-sctp-'));
      try {
        writeFileSync(join(dir, 'c.pcap'), cap.toPcap());
        const real = execFileSync('tcpdump', ['-n', '-t', '-r', join(dir, 'c.pcap'), 'sctp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
        const printer = new TcpdumpPrinter({ timestamps: 'none' });
        const ours = cap.records.map((r) => printer.format({ tsMs: 0, frame: r.frame })).filter((l) => / sctp /.test(l));
        expect(ours).toEqual(real);
        expect(real.some((l) => /: sctp \(1\) \[SACK\] \[cum ack \d+\] .*, \(2\) \[DATA\] \(B\)\(E\) \[TSN: \d+\]/.test(l))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (!tshark) return;
    const lines = dissect(cap.toPcap());
    expect(lines.every((x) => x.endsWith(';1'))).toBe(true);
    // Seen from the client: the ClusterIP's port 9000 answers (the reverse NAT of the backend's 9999).
    expect(lines[0]).toMatch(/^\d+;9000;1;1$/);
    expect(lines.map((x) => x.split(';')[2]).slice(0, 9).join(' ')).toBe('1 2 10 11 0 3,0 3 7 8');
    expect(lines.every((x) => x.split(';')[0] === '9000' || x.split(';')[1] === '9000')).toBe(true);
  });
});
