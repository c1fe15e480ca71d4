import { stringify } from 'yaml';
import { k6Config, type LoadArrivals, type LoadShedStep } from './k6.ts';

/**
 * Manifests for the k6-operator: the bundled load script and its k6 config in a ConfigMap, a
 * TestRun that runs it with `parallelism` runners (the operator gives each its execution segment),
 * and a volume where every runner writes its samples, so that `brownout judge` can judge them merged
 * (the operator judges k6 thresholds per runner only: k6-operator issue #115).
 */
export interface K8sExportOptions {
  /** The scenario name: names the resources. */
  name: string;
  bundle: string;
  parallelism: number;
  /** Where the load goes: faults in the cluster are not part of an export. */
  targetUrl: string;
  rate: number;
  durationMs: number;
  requestTimeoutMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
  arrivals?: readonly LoadArrivals[];
  shed?: LoadShedStep;
  /** The k6 runner image; the same k6 version brownout runs locally by default. */
  image: string;
  namespace?: string;
  /** Size of the results volume. */
  storage?: string;
}

export const SCRIPT_FILE = 'load.bundle.js';
export const CONFIG_FILE = 'k6-config.json';
/** Where the operator mounts the script's ConfigMap in every k6 pod. */
const TEST_DIR = '/test';
const RESULTS_DIR = '/results';

/** The arguments every runner gets (the operator adds its execution segment and --paused). */
export function runnerArguments(o: Pick<K8sExportOptions, 'targetUrl' | 'requestTimeoutMs'>): string[] {
  return ['--config', `${TEST_DIR}/${CONFIG_FILE}`, '-e', `BASE_URL=${o.targetUrl}`, '-e', `REQUEST_TIMEOUT=${o.requestTimeoutMs}ms`, '--no-usage-report'];
}

/** A runner's own results file: the pod name keeps the runners apart on the shared volume. */
export const RUNNER_OUT = `json=${RESULTS_DIR}/$(POD_NAME).json`;

export function k8sManifests(o: K8sExportOptions): Record<string, string> {
  const name = `brownout-${o.name}`;
  const meta = (n: string) => ({
    name: n,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    labels: { 'app.kubernetes.io/managed-by': 'brownout', 'brownout/scenario': o.name },
  });
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(name),
    data: { [SCRIPT_FILE]: o.bundle, [CONFIG_FILE]: JSON.stringify(k6Config(o), null, 2) },
  };
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(`${name}-results`),
    // Every runner pod writes here, possibly from different nodes.
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: o.storage ?? '1Gi' } } },
  };
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: meta(name),
    spec: {
      parallelism: o.parallelism,
      script: { configMap: { name, file: SCRIPT_FILE } },
      arguments: runnerArguments(o).join(' '),
      runner: {
        image: o.image,
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          // k6 reads --out from K6_OUT; Kubernetes expands $(POD_NAME) from the variable above.
          { name: 'K6_OUT', value: RUNNER_OUT },
          { name: 'K6_NO_USAGE_REPORT', value: 'true' },
        ],
        volumes: [{ name: 'results', persistentVolumeClaim: { claimName: `${name}-results` } }],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR }],
      },
    },
  };
  const y = (doc: unknown) => stringify(doc, { lineWidth: 0 });
  return {
    'configmap.yaml': y(configMap),
    'results-pvc.yaml': y(pvc),
    'testrun.yaml': y(testRun),
    'README.md': exportReadme(o, name),
  };
}

function exportReadme(o: K8sExportOptions, name: string): string {
  return `# ${o.name}: ${o.parallelism} k6 runners on Kubernetes (k6-operator)

Written by \`brownout export k8s\`. The load of the scenario (${o.arrivals ? `arrivals of ${o.arrivals.length} request groups second by second, at most ${o.rate}/s` : `${o.rate}/s`} for ${o.durationMs / 1000} s, open model) against
\`${o.targetUrl}\`, split by the k6-operator into ${o.parallelism} execution segments. Faults are not part of this
export: the cluster's target runs as it is.

\`\`\`sh
kubectl apply -f configmap.yaml -f results-pvc.yaml
kubectl apply -f testrun.yaml
kubectl wait testrun/${name} --for=jsonpath='{.status.stage}'=finished --timeout=30m
# Copy the runners' samples out of the volume (any pod that mounts ${name}-results):
kubectl run ${name}-fetch --image=busybox --restart=Never --overrides='{"spec":{"volumes":[{"name":"r","persistentVolumeClaim":{"claimName":"${name}-results"}}],"containers":[{"name":"f","image":"busybox","command":["sleep","600"],"volumeMounts":[{"name":"r","mountPath":"/results"}]}]}}'
kubectl wait pod/${name}-fetch --for=condition=Ready
kubectl cp ${name}-fetch:/results ./samples && kubectl delete pod ${name}-fetch
npx brownout judge ./samples scenarios/${o.name}.ts   # the scenario's expectations over every runner's samples
\`\`\`

The operator checks k6 thresholds on each runner alone; \`brownout judge\` merges every runner's samples first,
so a p95 or a 503 rate is judged over the whole load. A runner that dropped more than 1% of its iterations
makes the result untrusted (exit 2).
`;
}
