/** The Calico CNI plugin for the simulator: ADD/DEL of Kubernetes pods, and the names it derives. */
export { CniError, HOST_VETH_MAC, POD_GATEWAY, cniAdd, cniDel, workloadEndpointResource } from './cni.ts';
export type { CniAddArgs, CniDelArgs, CniKernel, CniResult, CniWorld } from './cni.ts';
export { podNodeName, vethName, workloadEndpointName } from './names.ts';
