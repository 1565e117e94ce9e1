/** Versions and host facts kubectl shows for the simulated nodes. */
export const NODE_FACTS = { version: 'v1.28.2', osImage: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.1.0-podlab', runtime: 'containerd://1.6.20' } as const;
