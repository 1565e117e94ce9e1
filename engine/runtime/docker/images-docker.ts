/**
 * The Docker Engine calls of the image build, through dockerode: does an image exist, import
 * a rootfs tar, build a Dockerfile context, tag. Docker reports progress and errors as a
 * JSON-lines stream with HTTP 200 even when the build fails, so every call reads that stream
 * to its end and turns an `{error}` object into a rejection.
 */
import type { WriteStream } from 'node:fs';
import type Docker from 'dockerode';
import type { BuildContext } from './images-context.ts';
import { contextTar } from './images-context.ts';
import { parseBuildStep, progressError, splitJsonLines } from './images-recipe.ts';
import type { BuildStep } from './images-recipe.ts';

/** Reads a Docker progress stream to its end; rejects on the first error it reports. */
export function followProgress(stream: NodeJS.ReadableStream, onObject: (o: Record<string, unknown>) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let rest = '';
    let failed: string | undefined;
    const take = (objects: Record<string, unknown>[]): void => {
      for (const o of objects) {
        failed ??= progressError(o);
        onObject(o);
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      const r = splitJsonLines(rest, chunk.toString());
      rest = r.rest;
      take(r.objects);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      take(splitJsonLines(rest, '\n').objects);
      if (failed) reject(new Error(failed));
      else resolve();
    });
  });
}

/** The image's id if `ref` exists locally, else undefined. */
export async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** Points `repo:tag` at the image `ref` (moving the tag if it named another image). */
export async function tagImage(docker: Docker, ref: string, repo: string, tag: string): Promise<void> {
  await docker.getImage(ref).tag({ repo, tag });
}

function logObject(log: WriteStream, o: Record<string, unknown>): void {
  if (typeof o.stream === 'string') log.write(o.stream);
  else if (typeof o.status === 'string') log.write(`${o.status}${typeof o.progress === 'string' ? ` ${o.progress}` : ''}\n`);
  const e = progressError(o);
  if (e) log.write(`ERROR: ${e}\n`);
}

/** `docker import` of a rootfs tar file as `repo:tag`. */
export async function importRootfs(docker: Docker, tarFile: string, repo: string, tag: string, log: WriteStream): Promise<void> {
  const stream = await docker.importImage(tarFile, { repo, tag });
  await followProgress(stream, (o) => logObject(log, o));
}

/** The proxy settings of this process, passed to RUN steps (Docker's predefined build args). */
function proxyBuildArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
    const v = process.env[k];
    if (v) out[k] = v;
  }
  return out;
}

/** What buildImage needs besides the context. */
export interface BuildRequest {
  readonly ctx: BuildContext;
  /** `repo:tag` to build. */
  readonly ref: string;
  /** The image the Dockerfile's `FROM ${BASE}` names. */
  readonly baseRef: string;
  /** Ignore Docker's layer cache (a cold build). */
  readonly nocache: boolean;
  readonly labels: Record<string, string>;
  readonly log: WriteStream;
  /** Called at each `Step n/m`. */
  readonly onStep: (step: BuildStep) => void;
}

/**
 * Builds the context with the classic builder. RUN steps use the host's network: apt then
 * reaches the mirror exactly as the host does (its resolver, its proxy), with no dependence
 * on docker0's NAT.
 */
export async function buildImage(docker: Docker, req: BuildRequest): Promise<void> {
  const tar = contextTar(req.ctx);
  const stream = await docker.buildImage(tar.stream, {
    t: req.ref,
    buildargs: { BASE: req.baseRef, ...proxyBuildArgs() },
    networkmode: 'host',
    rm: true,
    forcerm: true,
    nocache: req.nocache,
    labels: req.labels,
    version: '1',
  });
  await followProgress(stream, (o) => {
    logObject(req.log, o);
    if (typeof o.stream === 'string') {
      for (const line of o.stream.split('\n')) {
        const step = parseBuildStep(line);
        if (step) req.onStep(step);
      }
    }
  });
  await tar.finished;
}

/**
 * Removes the older content-hashed builds of `repo` (`repo:<12 hex>` other than `keep`),
 * without force: an image a container still uses stays, so a running lab is never touched.
 * Returns the refs removed.
 */
export async function pruneOlderBuilds(docker: Docker, repo: string, keep: string): Promise<string[]> {
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [`${repo}:*`] }) });
  const removed: string[] = [];
  for (const img of images) {
    for (const ref of img.RepoTags ?? []) {
      if (ref === keep || !/:[0-9a-f]{12}$/.test(ref) || !ref.startsWith(`${repo}:`)) continue;
      try {
        await docker.getImage(ref).remove();
        removed.push(ref);
      } catch { /* in use by a container, or already gone */ }
    }
  }
  return removed;
}
