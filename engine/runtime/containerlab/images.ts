/**
 * The container images podlab's real runtimes run, named in one place so the tag can move
 * with the image build (docker/) without touching the generators.
 *
 * `podlab images build` names each build by a content hash (podlab/node:<hash>) and moves
 * these version tags onto the newest one, so a generated file keeps working across rebuilds.
 */

/** Version tag of podlab's node and router images (an alias the image build moves to its newest content-hashed build). */
export const PODLAB_IMAGE_TAG = '0.1.0';

/** k8s nodes, hosts, switches and the lab's etcd: Debian with BIRD 1.6 + 2, iproute2, etcd, the agent. */
export const NODE_IMAGE = `podlab/node:${PODLAB_IMAGE_TAG}`;

/** Fabric routers: Debian with BIRD 2 and FRR. */
export const ROUTER_IMAGE = `podlab/router:${PODLAB_IMAGE_TAG}`;

/** How a container runs podlab (`podlab agent …`): the images put it on PATH. */
export const PODLAB_COMMAND = 'podlab';
