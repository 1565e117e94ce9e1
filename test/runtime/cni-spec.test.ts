/** The CNI protocol core of the real plugin: env and netconf validation, result and error documents. */
import { describe, expect, it } from 'vitest';
import { CniFailure, addResult, errorResult, parseCniArgs, parseRequest, versionResult } from '../../engine/runtime/linux/cni-spec.ts';
import { podInfo, podManifestKey } from '../../engine/runtime/linux/cni-plugin.ts';

const conf = (over: Record<string, unknown> = {}): string => JSON.stringify({
  cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'calico', etcd_endpoints: 'unix:///tmp/lab/etcd:2379',
  nodename: 'node-1', mtu: 1440, ipam: { type: 'calico-ipam' }, policy: { type: 'k8s' }, ...over,
});
const env = (over: Record<string, string> = {}): Record<string, string> => ({
  CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'abc123', CNI_NETNS: '/run/netns/pod-1', CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc123', CNI_PATH: '/opt/cni/bin', ...over,
});
const failure = (f: () => unknown): CniFailure => {
  try {
    f();
  } catch (e) {
    return e as CniFailure;
  }
  throw new Error('no failure');
};

describe('CNI request parsing', () => {
  it('reads a kubelet-style ADD', () => {
    const r = parseRequest(env(), conf());
    expect(r).toMatchObject({ command: 'ADD', containerId: 'abc123', netns: '/run/netns/pod-1', ifname: 'eth0', namespace: 'default', pod: 'web-0' });
    expect(r.conf).toMatchObject({ cniVersion: '1.0.0', etcdEndpoints: ['unix:///tmp/lab/etcd:2379'], nodename: 'node-1', mtu: 1440 });
    expect(parseRequest(env(), conf({ mtu: 0 })).conf.mtu).toBe(1500);
    expect(parseCniArgs('A=1;B=x=y;')).toEqual({ A: '1', B: 'x=y' });
  });

  it('rejects every name that would reach the kernel or a key, with the spec\'s codes', () => {
    expect(failure(() => parseRequest(env({ CNI_CONTAINERID: 'a;rm -rf' }), conf()))).toMatchObject({ code: 4 });
    expect(failure(() => parseRequest(env({ CNI_IFNAME: 'eth0 up' }), conf()))).toMatchObject({ code: 4 });
    expect(failure(() => parseRequest(env({ CNI_IFNAME: 'averyveryverylongname' }), conf())).message).toContain('at most 15');
    expect(failure(() => parseRequest(env({ CNI_NETNS: 'pod-1' }), conf())).message).toContain('not an absolute path');
    expect(failure(() => parseRequest(env({ CNI_NETNS: '/run/netns/../../etc' }), conf())).message).toContain('".."');
    expect(failure(() => parseRequest(env({ CNI_ARGS: 'K8S_POD_NAMESPACE=Default;K8S_POD_NAME=x' }), conf())).message).toContain("K8S_POD_NAMESPACE 'Default'");
    expect(failure(() => parseRequest(env({ CNI_ARGS: 'K8S_POD_NAME=x' }), conf()))).toMatchObject({ code: 4 });
    expect(failure(() => parseRequest(env({ CNI_NETNS: '' }), conf())).message).toBe('required env variables [CNI_NETNS] missing');
    expect(parseRequest(env({ CNI_COMMAND: 'DEL', CNI_NETNS: '' }), conf()).netns).toBe('');
    expect(failure(() => parseRequest(env(), conf({ nodename: 'Node_1' })))).toMatchObject({ code: 7 });
  });

  it('speaks 0.3.1, 0.4.0 and 1.0.0 only; CHECK needs 0.4.0+', () => {
    const f = failure(() => parseRequest(env(), conf({ cniVersion: '0.2.0' })));
    expect(errorResult('1.0.0', f)).toEqual({ cniVersion: '1.0.0', code: 1, msg: 'incompatible CNI versions', details: 'config is "0.2.0", plugin supports ["0.3.1" "0.4.0" "1.0.0"]' });
    expect(failure(() => parseRequest(env({ CNI_COMMAND: 'CHECK' }), conf({ cniVersion: '0.3.1' })))).toMatchObject({ code: 1, message: 'config version does not allow CHECK' });
    expect(failure(() => parseRequest(env(), '{not json'))).toMatchObject({ code: 6 });
    expect(failure(() => parseRequest(env(), conf({ ipam: { type: 'host-local' } })))).toMatchObject({ code: 2 });
    expect(failure(() => parseRequest(env(), conf({ etcd_endpoints: '10.0.0.1:2379' })))).toMatchObject({ code: 7 });
    expect(versionResult()).toEqual({ cniVersion: '1.0.0', supportedVersions: ['0.3.1', '0.4.0', '1.0.0'] });
  });

  it('renders the result in the netconf\'s version', () => {
    const o = { hostIface: 'cali0123456789a', hostMac: 'ee:ee:ee:ee:ee:ee', ifname: 'eth0', podMac: '02:00:00:00:00:01', sandbox: '/run/netns/p', ip: '10.5.0.7' };
    expect(addResult('1.0.0', o)).toEqual({
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cali0123456789a', mac: 'ee:ee:ee:ee:ee:ee' }, { name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/p' }],
      ips: [{ address: '10.5.0.7/32', interface: 1 }],
      dns: {},
    });
    expect((addResult('0.3.1', o).ips as unknown[])[0]).toEqual({ version: '4', address: '10.5.0.7/32', interface: 1 });
  });
});

describe('Pod manifest (the API server the plugin asks)', () => {
  it('labels, service account, named container ports and the ipAddrs annotation; absent manifest → none', () => {
    expect(podManifestKey('default', 'web-0')).toBe('/podlab/k8s/pods/default/web-0');
    expect(podInfo(undefined)).toEqual({ labels: {}, serviceAccount: 'default', ports: [], ipAddrs: [] });
    expect(podInfo({
      metadata: { labels: { app: 'web' }, annotations: { 'cni.projectcalico.org/ipAddrs': '["10.5.0.9"]' } },
      spec: { serviceAccountName: 'sa1', containers: [{ name: 'web', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9000 }] }] },
    })).toEqual({ labels: { app: 'web' }, serviceAccount: 'sa1', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], ipAddrs: ['10.5.0.9'] });
    expect(failure(() => podInfo({ metadata: { annotations: { 'cni.projectcalico.org/ipAddrs': '10.5.0.9' } } })).message).toMatch(/^failed to parse '10.5.0.9' as JSON/);
    expect(failure(() => podInfo({ metadata: { annotations: { 'cni.projectcalico.org/ipAddrs': '["10.5.0.9","10.5.0.10"]' } } })).message).toContain('more than one IPv4 address');
  });
});
