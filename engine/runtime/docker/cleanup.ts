/**
 * Finding and removing a lab's Docker containers by their labels, as `containerlab destroy`
 * does (`containerlab=<lab>` there; podlab keys on its own `podlab.lab-id`, the lab's short
 * id, because lab names are per registry while ids are machine-wide). Used by the Docker
 * lab's destroy and by the lab registry's cleanup (labs.ts), so a SIGKILL mid-deploy is
 * cleaned by `podlab destroy --all`.
 *
 * A machine without Docker has no containers to remove: every function here then answers
 * "nothing" instead of failing, so cleanup of Mininet labs never depends on dockerd.
 */
import { existsSync, lstatSync, rmSync } from 'node:fs';
import Docker from 'dockerode';
import { LABEL } from './container-spec.ts';

/** One podlab container as Docker lists it. */
export interface LabContainer {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** True when a Docker daemon socket is configured and present. */
export function dockerReachable(): boolean {
  const host = process.env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) return true;
  return existsSync(host ? host.slice('unix://'.length) : '/var/run/docker.sock');
}

/** Every container carrying a podlab lab id label (any state); empty without Docker. */
export async function listLabContainers(docker = new Docker()): Promise<LabContainer[]> {
  if (!dockerReachable()) return [];
  let rows: Docker.ContainerInfo[];
  try {
    rows = await docker.listContainers({ all: true, filters: { label: [LABEL.podlabId] } });
  } catch {
    return [];
  }
  return rows.map((r) => ({ id: r.Id, name: (r.Names[0] ?? '').replace(/^\//, ''), state: r.State, labels: r.Labels ?? {} }));
}

/** Removes (force, with volumes) every podlab container `match` selects; returns their names. */
export async function removeLabContainers(match: (c: LabContainer) => boolean, docker = new Docker()): Promise<string[]> {
  const victims = (await listLabContainers(docker)).filter(match);
  await Promise.all(victims.map(async (c) => {
    const ctr = docker.getContainer(c.id);
    // A paused container keeps its processes frozen; unpause so the kill reaches them.
    if (c.state === 'paused') await ctr.unpause().catch(() => undefined);
    await ctr.remove({ force: true, v: true }).catch((e: { statusCode?: number; message?: string }) => {
      if (e.statusCode !== 404) throw new Error(`removing container ${c.name}: ${e.message ?? String(e)}`);
    });
    // containerlab's /run/netns/<longname> link to the container's namespace.
    const link = `/run/netns/${c.name}`;
    try {
      if (lstatSync(link).isSymbolicLink()) rmSync(link, { force: true });
    } catch { /* absent */ }
  }));
  return victims.map((c) => c.name);
}

/** The lab ids of every podlab container on this machine (orphans have no record left). */
export async function containerLabIds(docker = new Docker()): Promise<string[]> {
  return [...new Set((await listLabContainers(docker)).map((c) => c.labels[LABEL.podlabId]!).filter(Boolean))];
}

/** Removes the lab's Docker networks (its management network), found by the lab id label; returns their names. */
export async function removeLabNetworks(id: string, docker = new Docker()): Promise<string[]> {
  if (!dockerReachable()) return [];
  let nets: Docker.NetworkInspectInfo[];
  try {
    nets = await docker.listNetworks({ filters: { label: [`${LABEL.podlabId}=${id}`] } });
  } catch {
    return [];
  }
  for (const n of nets) {
    await docker.getNetwork(n.Id).remove().catch((e: { statusCode?: number; message?: string }) => {
      if (e.statusCode !== 404) throw new Error(`removing network ${n.Name}: ${e.message ?? String(e)}`);
    });
  }
  return nets.map((n) => n.Name);
}
