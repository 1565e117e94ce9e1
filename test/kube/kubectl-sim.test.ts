/**
 * kubectl's write verbs in a simulated lab's shell (what `podlab up` and the web terminal
 * run): a here-document applied with `kubectl apply -f -`, `run`, `create deployment`,
 * `expose`, `scale`, `label`, `exec`, `delete`, `describe` and `get -o yaml|json|-l`, with
 * kubectl's own texts and exit codes. Pods answer to `ns/pod` and bare `pod` as shell nodes.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { topology, up } from '../calico/e2e/helpers.ts';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  type: NodePort
  selector:
    app: nginx
  ports:
    - port: 80
      targetPort: 80
      nodePort: 30007
`;

describe('kubectl in the simulator shell', async () => {
  const u = await up(await topology('topologies/two-nodes.yaml'));
  const sh = (node: string, line: string) => u.lab.execAsync(node, line);

  it('applies a here-document, serves it, and pins kubectl\'s texts', async () => {
    const r = await sh('master-01', `kubectl apply -f - <<EOF\n${DEPLOYMENT}EOF`);
    expect(r).toEqual({ stdout: 'deployment.apps/nginx-deployment created\nservice/my-service created\n', stderr: '', code: 0 });
    // Applying the same again changes nothing.
    expect((await sh('master-01', `kubectl apply -f - <<EOF\n${DEPLOYMENT}EOF`)).stdout).toBe('deployment.apps/nginx-deployment unchanged\nservice/my-service unchanged\n');
    const pods = (await sh('master-01', 'kubectl get pods -l app=nginx -o name')).stdout.trim().split('\n');
    expect(pods).toHaveLength(3);
    expect(pods[0]).toMatch(/^pod\/nginx-deployment-[a-z0-9]+-[a-z0-9]{5}$/);
    // The synchronous exec refuses a verb that changes the cluster, saying where it runs.
    expect(u.lab.exec('master-01', 'kubectl scale deploy nginx-deployment --replicas=1').stderr).toMatch(/runs in the lab's shell/);
  });

  it('run, exec and pods as shell nodes', async () => {
    expect(await sh('master-01', 'kubectl run client --image=curlimages/curl --labels=role=client')).toEqual({ stdout: 'pod/client created\n', stderr: '', code: 0 });
    expect((await sh('master-01', 'kubectl run client --image=x')).stderr).toBe('Error from server (AlreadyExists): pods "client" already exists\n');
    expect((await sh('master-01', 'kubectl run nope')).stderr).toBe('error: required flag(s) "image" not set\n');
    const svcIP = parse((await sh('master-01', 'kubectl get svc my-service -o yaml')).stdout).spec.clusterIP as string;
    const viaExec = await sh('master-01', `kubectl exec client -- curl -s http://${svcIP}/`);
    expect(viaExec.code).toBe(0);
    expect(viaExec.stdout).toMatch(/^nginx-deployment-[a-z0-9]+-[a-z0-9]{5}\n$/);
    // The pod is a node of the shell by its bare name and as ns/pod.
    expect((await sh('client', `curl -s http://${svcIP}/`)).stdout).toMatch(/^nginx-deployment-/);
    expect((await sh('default/client', 'ip -4 -o addr show eth0')).stdout).toMatch(/eth0 +inet 10\.5\./);
    const failed = await sh('master-01', 'kubectl exec client -- curl -s --max-time 1 http://10.96.0.99:81/');
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(new RegExp(`command terminated with exit code ${failed.code}\\n$`));
    expect((await sh('master-01', 'kubectl exec ghost -- true')).stderr).toBe('Error from server (NotFound): pods "ghost" not found\n');
  });

  it('create deployment, expose, scale, label and delete re-reconcile', async () => {
    expect((await sh('master-01', 'kubectl create deployment web --image=nginx --replicas=2 --port=80')).stdout).toBe('deployment.apps/web created\n');
    expect((await sh('master-01', 'kubectl expose deployment web --port=8080 --target-port=80 --type=NodePort')).stdout).toBe('service/web exposed\n');
    const get = (await sh('master-01', 'kubectl get deploy web')).stdout;
    expect(get).toMatch(/^NAME +READY +UP-TO-DATE +AVAILABLE +AGE\nweb +2\/2 +2 +2 +\S+\n$/);
    expect((await sh('master-01', 'kubectl scale deployment web --replicas=4')).stdout).toBe('deployment.apps/web scaled\n');
    expect((await sh('master-01', 'kubectl get pods -l app=web --no-headers')).stdout.trim().split('\n')).toHaveLength(4);
    const eps = (await sh('master-01', 'kubectl get endpoints web')).stdout;
    expect(eps).toMatch(/web +10\.5\.\d+\.\d+:80,10\.5\.\d+\.\d+:80,10\.5\.\d+\.\d+:80 \+ 1 more\.\.\. /);
    expect((await sh('master-01', 'kubectl label svc web tier=front')).stdout).toBe('service/web labeled\n');
    expect((await sh('master-01', 'kubectl label svc web tier=back')).stderr).toBe("error: 'tier' already has a value (front), and --overwrite is false\n");
    expect((await sh('master-01', 'kubectl label svc web tier=back --overwrite')).stdout).toBe('service/web labeled\n');
    expect((await sh('master-01', 'kubectl get svc -l tier=back -o name')).stdout).toBe('service/web\n');
    // Relabelling a pod out of the selector: the ReplicaSet replaces it, the endpoints drop it.
    const moved = (await sh('master-01', 'kubectl get pods -l app=web -o name')).stdout.split('\n')[0]!.slice(4);
    expect((await sh('master-01', `kubectl label pod ${moved} app=moved`)).stderr).toBe("error: 'app' already has a value (web), and --overwrite is false\n");
    expect((await sh('master-01', `kubectl label pod ${moved} app=moved --overwrite`)).stdout).toBe(`pod/${moved} labeled\n`);
    expect((await sh('master-01', 'kubectl get pods -l app=web -o name')).stdout).not.toContain(moved);
    expect((await sh('master-01', 'kubectl get pods -l app=web --no-headers')).stdout.trim().split('\n')).toHaveLength(4);
    const movedIP = JSON.parse((await sh('master-01', `kubectl get pod ${moved} -o json`)).stdout).status.podIP as string;
    expect((await sh('master-01', 'kubectl get endpointslices -l kubernetes.io/service-name=web -o yaml')).stdout).not.toContain(movedIP);
    // Deleting a Deployment's pod: the controller replaces it.
    const victim = (await sh('master-01', 'kubectl get pods -l app=web -o name')).stdout.split('\n')[0]!.slice(4);
    expect((await sh('master-01', `kubectl delete pod ${victim}`)).stdout).toBe(`pod "${victim}" deleted\n`);
    const after = (await sh('master-01', 'kubectl get pods -l app=web -o name')).stdout.trim().split('\n');
    expect(after).toHaveLength(4);
    expect(after).not.toContain(`pod/${victim}`);
    expect((await sh('master-01', 'kubectl delete deploy web')).stdout).toBe('deployment.apps "web" deleted\n');
    expect((await sh('master-01', 'kubectl get pods -l app=web')).stderr).toBe('No resources found in default namespace.\n');
    expect(await sh('master-01', 'kubectl delete svc web nope')).toEqual({ stdout: 'service "web" deleted\n', stderr: 'Error from server (NotFound): services "nope" not found\n', code: 1 });
  });

  it('apply -f FILE and delete -f FILE; errors name the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'podlab-kubectl-'));
    const f = join(dir, 'ds.yaml');
    writeFileSync(f, 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      tolerations:\n      - key: node-role.kubernetes.io/control-plane\n        operator: Exists\n        effect: NoSchedule\n      containers:\n      - name: agent\n        image: busybox\n');
    expect((await sh('master-01', `kubectl apply -f ${f}`)).stdout).toBe('daemonset.apps/agent created\n');
    const ds = (await sh('master-01', 'kubectl get ds')).stdout;
    expect(ds).toMatch(/^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE\nagent +2 +2 +2 +2 +2 +<none> +\S+\n$/);
    const nodes = (await sh('master-01', 'kubectl get pods -l app=agent -o wide --no-headers')).stdout.trim().split('\n').map((l) => l.split(/ +/)[6]).sort();
    expect(nodes).toEqual(['master-01', 'worker-01']);
    expect((await sh('master-01', `kubectl delete -f ${f}`)).stdout).toBe('daemonset.apps "agent" deleted\n');
    expect((await sh('master-01', `kubectl delete -f ${f}`)).stderr).toBe(`Error from server (NotFound): error when deleting "${f}": daemonsets.apps "agent" not found\n`);
    expect((await sh('master-01', 'kubectl apply -f /nonexistent.yaml')).stderr).toBe('error: the path "/nonexistent.yaml" does not exist\n');
    const clash = await sh('master-01', `kubectl apply -f - <<EOF\napiVersion: v1\nkind: Service\nmetadata:\n  name: clash\nspec:\n  type: NodePort\n  selector: {app: nginx}\n  ports:\n  - port: 80\n    nodePort: 30007\nEOF`);
    expect(clash).toEqual({ stdout: '', stderr: 'Error from server (Invalid): error when creating "STDIN": Service "clash" is invalid: spec.ports[0].nodePort: Invalid value: 30007: provided port is already allocated\n', code: 1 });
  });

  it('get -o json|yaml, namespaces, networkpolicies; describe', async () => {
    const j = JSON.parse((await sh('master-01', 'kubectl get pod client -o json')).stdout);
    expect(j).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default', labels: { role: 'client' } }, status: { phase: 'Running' } });
    expect((await sh('master-01', 'kubectl get pods -o json')).stdout).toMatch(/^\{\n {4}"apiVersion": "v1",\n {4}"items": \[/);
    expect((await sh('master-01', 'kubectl get ns')).stdout).toMatch(/^NAME +STATUS +AGE\ndefault +Active +\S+\nkube-node-lease +Active/);
    const np = await sh('master-01', 'kubectl apply -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-nginx\nspec:\n  podSelector:\n    matchLabels:\n      app: nginx\n  policyTypes: [Ingress]\nEOF');
    expect(np.stdout).toBe('networkpolicy.networking.k8s.io/deny-nginx created\n');
    expect((await sh('master-01', 'kubectl get netpol')).stdout).toMatch(/^NAME +POD-SELECTOR +AGE\ndeny-nginx +app=nginx +\S+\n$/);
    // The policy is live: nginx refuses new connections.
    const svcIP = parse((await sh('master-01', 'kubectl get svc my-service -o yaml')).stdout).spec.clusterIP as string;
    expect((await sh('client', `curl -s --max-time 1 http://${svcIP}/`)).code).not.toBe(0);
    expect((await sh('master-01', 'kubectl delete netpol deny-nginx')).stdout).toBe('networkpolicy.networking.k8s.io "deny-nginx" deleted\n');
    expect((await sh('client', `curl -s http://${svcIP}/`)).code).toBe(0);
    const d = (await sh('master-01', 'kubectl describe svc my-service')).stdout;
    expect(d).toContain(`Name:                     my-service\nNamespace:                default\n`);
    expect(d).toContain('NodePort:                 <unset>  30007/TCP\n');
    expect(d).toContain('External Traffic Policy:  Cluster\n');
    const dp = (await sh('master-01', 'kubectl describe pod client')).stdout;
    expect(dp).toMatch(/^Name: {13}client\nNamespace: {8}default\n/);
    expect(dp).toMatch(/Successfully assigned default\/client to worker-01/);
  });
});
