/** FelixConfiguration, IPAMConfig and ClusterInformation: the cluster-wide agent settings. */
import type { Location } from '../../model/types.ts';
import { FieldReader } from './fields.ts';
import type { Obj } from './fields.ts';
import { opt } from './bgp.ts';
import { readMeta, readSpec } from './meta.ts';
import type { ClusterInformation, FelixConfiguration, FelixConfigurationSpec, IPAMConfig, ResourceProblem } from './types.ts';

/** Every FelixConfigurationSpec field of v3.30.7 (plus master's programClusterRoutes). */
const FELIX_FIELDS = (
  'useInternalDataplaneDriver dataplaneDriver dataplaneWatchdogTimeout ipv6Support ' +
  'routeRefreshInterval interfaceRefreshInterval iptablesRefreshInterval ' +
  'iptablesPostWriteCheckInterval iptablesLockFilePath iptablesLockTimeout ' +
  'iptablesLockProbeInterval featureDetectOverride featureGates ipsetsRefreshInterval maxIpsetSize ' +
  'iptablesBackend xdpRefreshInterval netlinkTimeout metadataAddr metadataPort openstackRegion ' +
  'interfacePrefix interfaceExclude chainInsertMode defaultEndpointToHostAction ' +
  'iptablesFilterAllowAction iptablesMangleAllowAction iptablesFilterDenyAction logPrefix ' +
  'logActionRateLimit logActionRateLimitBurst logFilePath logSeverityFile logSeverityScreen ' +
  'logSeveritySys logDebugFilenameRegex ipipEnabled ipipMTU vxlanEnabled vxlanMTU vxlanMTUV6 ' +
  'vxlanPort vxlanVNI allowVXLANPacketsFromWorkloads allowIPIPPacketsFromWorkloads ' +
  'reportingInterval reportingTTL endpointReportingEnabled endpointReportingDelay ' +
  'endpointStatusPathPrefix iptablesMarkMask disableConntrackInvalidCheck healthEnabled healthHost ' +
  'healthPort healthTimeoutOverrides prometheusMetricsEnabled prometheusMetricsHost ' +
  'prometheusMetricsPort prometheusGoMetricsEnabled prometheusProcessMetricsEnabled ' +
  'prometheusWireGuardMetricsEnabled failsafeInboundHostPorts failsafeOutboundHostPorts ' +
  'kubeNodePortRanges policySyncPathPrefix usageReportingEnabled usageReportingInitialDelay ' +
  'usageReportingInterval natPortRange natOutgoingAddress deviceRouteSourceAddress ' +
  'deviceRouteSourceAddressIPv6 deviceRouteProtocol removeExternalRoutes ipForwarding ' +
  'externalNodesList debugMemoryProfilePath debugDisableLogDropping debugSimulateCalcGraphHangAfter ' +
  'debugSimulateDataplaneHangAfter debugSimulateDataplaneApplyDelay debugHost debugPort ' +
  'iptablesNATOutgoingInterfaceFilter sidecarAccelerationEnabled xdpEnabled genericXDPEnabled ' +
  'nftablesMode nftablesRefreshInterval nftablesFilterAllowAction nftablesMangleAllowAction ' +
  'nftablesFilterDenyAction nftablesMarkMask bpfEnabled bpfDisableUnprivileged bpfLogLevel ' +
  'bpfConntrackLogLevel bpfConntrackMode bpfConntrackTimeouts bpfLogFilters bpfCTLBLogFilter ' +
  'bpfDataIfacePattern bpfL3IfacePattern bpfConnectTimeLoadBalancingEnabled ' +
  'bpfConnectTimeLoadBalancing bpfHostNetworkedNATWithoutCTLB bpfExternalServiceMode ' +
  'bpfDSROptoutCIDRs bpfExtToServiceConnmark bpfKubeProxyIptablesCleanupEnabled ' +
  'bpfKubeProxyMinSyncPeriod bpfKubeProxyHealthzPort bpfKubeProxyEndpointSlicesEnabled ' +
  'bpfPSNATPorts bpfMapSizeNATFrontend bpfMapSizeNATBackend bpfMapSizeNATAffinity bpfMapSizeRoute ' +
  'bpfMapSizeConntrack bpfMapSizePerCpuConntrack bpfMapSizeConntrackScaling ' +
  'bpfMapSizeConntrackCleanupQueue bpfMapSizeIPSets bpfMapSizeIfState bpfHostConntrackBypass ' +
  'bpfEnforceRPF bpfPolicyDebugEnabled bpfForceTrackPacketsFromIfaces bpfDisableGROForIfaces ' +
  'bpfExcludeCIDRsFromNAT bpfExportBufferSizeMB cgroupV2Path flowLogsPolicyEvaluationMode ' +
  'bpfRedirectToPeer flowLogsFlushInterval flowLogsCollectorDebugTrace flowLogsGoldmaneServer ' +
  'flowLogsLocalReporter bpfProfiling routeSource routeTableRanges routeTableRange ' +
  'routeSyncDisabled wireguardEnabled wireguardEnabledV6 wireguardThreadingEnabled ' +
  'wireguardListeningPort wireguardListeningPortV6 wireguardRoutingRulePriority ' +
  'wireguardInterfaceName wireguardInterfaceNameV6 wireguardMTU wireguardMTUV6 ' +
  'wireguardHostEncryptionEnabled wireguardKeepAlive awsSrcDstCheck serviceLoopPrevention ' +
  'workloadSourceSpoofing mtuIfacePattern floatingIPs windowsManageFirewallRules goGCThreshold ' +
  'goMemoryLimitMB goMaxProcs programClusterRoutes '
).split(' ');

/**
 * Felix's own defaults (config_params.go), applied to the `default` resource. ipipEnabled and
 * vxlanEnabled have none on purpose: unset, Felix derives them from the IP pools (a VXLAN
 * pool turns vxlan.calico on), so a default here would override that derivation.
 */
export const FELIX_DEFAULTS = {
  ipipMTU: 0,
  vxlanVNI: 4096,
  vxlanPort: 4789,
  vxlanMTU: 0,
  vxlanMTUV6: 0,
  wireguardEnabled: false,
  wireguardMTU: 0,
  mtuIfacePattern: '^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)',
  defaultEndpointToHostAction: 'Drop',
  interfacePrefix: 'cali',
  routeRefreshInterval: 90,
  ipv6Support: true,
  logSeverityScreen: 'Info',
  deviceRouteProtocol: 3,
  programClusterRoutes: 'Disabled',
  chainInsertMode: 'Insert',
  iptablesBackend: 'Auto',
  bpfEnabled: false,
} as const satisfies FelixConfigurationSpec;

const LOG_LEVELS = ['Trace', 'Debug', 'Info', 'Warning', 'Error', 'Fatal'] as const;
const PROTOS = ['tcp', 'udp', 'sctp'];

function ports(r: FieldReader, spec: Obj, key: string): { protocol: string; port: number }[] | undefined {
  if (spec[key] === undefined) return undefined;
  return r.objList(spec, key, 'spec').flatMap(({ item, path }) => {
    r.known(item, path, ['protocol', 'port', 'net']);
    const protocol = (r.str(item, 'protocol', path) ?? 'tcp').toLowerCase();
    if (!PROTOS.includes(protocol)) r.error(`${path}.protocol`, `'${protocol}' is not one of TCP, UDP, SCTP`);
    const port = r.int(item, 'port', path, 0, 65535);
    return port === undefined ? [] : [{ protocol, port }];
  });
}

/** Parses a FelixConfiguration (`default` gets Felix's defaults, `node.<name>` overrides). */
export function parseFelixConfiguration(m: Obj, loc: Location): { resource?: FelixConfiguration; problems: ResourceProblem[] } {
  const r = new FieldReader('FelixConfiguration', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', FELIX_FIELDS);
  const prefix = r.str(spec, 'interfacePrefix', 'spec');
  if (prefix !== undefined && !/^[a-zA-Z0-9_-]+(,[a-zA-Z0-9_-]+)*$/.test(prefix)) {
    r.error('spec.interfacePrefix', `'${prefix}' is not a comma-separated list of interface name prefixes`);
  }
  const given: FelixConfigurationSpec = {
    ...opt('ipipEnabled', r.bool(spec, 'ipipEnabled', 'spec')),
    ...opt('ipipMTU', r.int(spec, 'ipipMTU', 'spec', 0, 65535)),
    ...opt('vxlanEnabled', r.bool(spec, 'vxlanEnabled', 'spec')),
    ...opt('vxlanVNI', r.int(spec, 'vxlanVNI', 'spec', 0, 0xffffff)),
    ...opt('vxlanPort', r.int(spec, 'vxlanPort', 'spec', 1, 65535)),
    ...opt('vxlanMTU', r.int(spec, 'vxlanMTU', 'spec', 0, 65535)),
    ...opt('vxlanMTUV6', r.int(spec, 'vxlanMTUV6', 'spec', 0, 65535)),
    ...opt('wireguardEnabled', r.bool(spec, 'wireguardEnabled', 'spec')),
    ...opt('wireguardMTU', r.int(spec, 'wireguardMTU', 'spec', 0, 65535)),
    ...opt('mtuIfacePattern', r.str(spec, 'mtuIfacePattern', 'spec')),
    ...opt('defaultEndpointToHostAction', r.oneOf(spec, 'defaultEndpointToHostAction', 'spec', ['Drop', 'Accept', 'Return'] as const)),
    ...opt('interfacePrefix', prefix),
    ...opt('routeRefreshInterval', r.duration(spec, 'routeRefreshInterval', 'spec')),
    ...opt('ipv6Support', r.bool(spec, 'ipv6Support', 'spec')),
    ...opt('logSeverityScreen', r.oneOf(spec, 'logSeverityScreen', 'spec', LOG_LEVELS)),
    ...opt('natOutgoingAddress', r.ip(spec, 'natOutgoingAddress', 'spec', 4)),
    ...opt('deviceRouteProtocol', r.int(spec, 'deviceRouteProtocol', 'spec', 0, 255)),
    ...opt('programClusterRoutes', r.oneOf(spec, 'programClusterRoutes', 'spec', ['Enabled', 'Disabled', 'EnabledIPIPOnly'] as const)),
    ...opt('chainInsertMode', r.oneOf(spec, 'chainInsertMode', 'spec', ['Insert', 'Append'] as const)),
    ...opt('iptablesBackend', r.oneOf(spec, 'iptablesBackend', 'spec', ['Auto', 'Legacy', 'NFT'] as const)),
    ...opt('bpfEnabled', r.bool(spec, 'bpfEnabled', 'spec')),
    ...opt('failsafeInboundHostPorts', ports(r, spec, 'failsafeInboundHostPorts')),
    ...opt('failsafeOutboundHostPorts', ports(r, spec, 'failsafeOutboundHostPorts')),
  };
  if (!meta) return { problems: r.problems };
  const global = meta.name === 'default';
  if (!global && !meta.name.startsWith('node.')) {
    r.warn('metadata.name', `'${meta.name}' is neither 'default' nor 'node.<nodename>'; Felix ignores it`);
  }
  return {
    resource: {
      kind: 'FelixConfiguration',
      meta,
      scope: global ? { global: true } : { global: false, node: meta.name.replace(/^node\./, '') },
      spec: global ? { ...FELIX_DEFAULTS, ...given } : given,
    },
    problems: r.problems,
  };
}

/** Parses the IPAMConfig (`default` is the only name Calico reads). */
export function parseIPAMConfig(m: Obj, loc: Location): { resource?: IPAMConfig; problems: ResourceProblem[] } {
  const r = new FieldReader('IPAMConfig', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', ['strictAffinity', 'autoAllocateBlocks', 'maxBlocksPerHost']);
  const strictAffinity = r.bool(spec, 'strictAffinity', 'spec') ?? false;
  const maxBlocksPerHost = r.int(spec, 'maxBlocksPerHost', 'spec', 0, 2 ** 31 - 1) ?? 0;
  if (maxBlocksPerHost > 0 && !strictAffinity) {
    r.error('spec.maxBlocksPerHost', 'requires spec.strictAffinity: true');
  }
  if (meta && meta.name !== 'default') r.error('metadata.name', `'${meta.name}': the IPAMConfig must be named 'default'`);
  if (!meta) return { problems: r.problems };
  return {
    resource: {
      kind: 'IPAMConfig',
      meta,
      spec: { strictAffinity, autoAllocateBlocks: r.bool(spec, 'autoAllocateBlocks', 'spec') ?? true, maxBlocksPerHost },
    },
    problems: r.problems,
  };
}

/** Parses the ClusterInformation (optional; calico-node writes it at startup). */
export function parseClusterInformation(m: Obj, loc: Location): { resource?: ClusterInformation; problems: ResourceProblem[] } {
  const r = new FieldReader('ClusterInformation', '', loc);
  const meta = readMeta(r, m, loc, false);
  const spec = readSpec(r, m);
  r.known(spec, 'spec', ['clusterGUID', 'clusterType', 'calicoVersion', 'datastoreReady', 'variant']);
  if (meta && meta.name !== 'default') r.warn('metadata.name', `'${meta.name}': Calico only reads the ClusterInformation named 'default'`);
  if (!meta) return { problems: r.problems };
  return {
    resource: {
      kind: 'ClusterInformation',
      meta,
      spec: {
        ...opt('clusterGUID', r.str(spec, 'clusterGUID', 'spec')),
        ...opt('clusterType', r.str(spec, 'clusterType', 'spec')),
        ...opt('calicoVersion', r.str(spec, 'calicoVersion', 'spec')),
        ...opt('datastoreReady', r.bool(spec, 'datastoreReady', 'spec')),
      },
    },
    problems: r.problems,
  };
}
