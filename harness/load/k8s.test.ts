import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { k6Config } from './k6.ts';
import { CONFIG_FILE, k8sManifests, RUNNER_OUT, SCRIPT_FILE } from './k8s.ts';

// The TestRun fields the k6-operator documents (docs/crd-generated.md, k6.io/v1alpha1): spec is
// strict, so a field the operator does not know fails here, not in the cluster.
const envVar = z.strictObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z.strictObject({ fieldRef: z.strictObject({ fieldPath: z.string() }) }).optional(),
});
const testRunSchema = z.strictObject({
  apiVersion: z.literal('k6.io/v1alpha1'),
  kind: z.literal('TestRun'),
  metadata: z.object({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63),
  }),
  spec: z.strictObject({
    parallelism: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1),
    script: z.strictObject({ configMap: z.strictObject({ name: z.string(), file: z.string().optional() }) }),
    arguments: z.string().optional(),
    args: z.array(z.string()).optional(),
    cleanup: z.literal('post').optional(),
    separate: z.boolean().optional(),
    paused: z.string().optional(),
    quiet: z.string().optional(),
    runner: z
      .strictObject({
        image: z.string().optional(),
        env: z.array(envVar).optional(),
        volumes: z.array(z.strictObject({ name: z.string(), persistentVolumeClaim: z.strictObject({ claimName: z.string() }) })).optional(),
        volumeMounts: z.array(z.strictObject({ name: z.string(), mountPath: z.string() })).optional(),
      })
      .optional(),
  }),
});

const opts = {
  name: 'slow-transaction',
  bundle: 'import http from "k6/http";\nexport default function () {}\n',
  parallelism: 3,
  targetUrl: 'http://photos.staging.svc:8080',
  rate: 40,
  durationMs: 45_000,
  requestTimeoutMs: 10_000,
  preAllocatedVUs: 50,
  maxVUs: 200,
  image: 'grafana/k6:2.2.0',
  namespace: 'load',
};

describe('k6-operator export', () => {
  const files = k8sManifests(opts);
  const testRun = testRunSchema.parse(parse(files['testrun.yaml'] ?? ''));
  const configMap = parse(files['configmap.yaml'] ?? '') as { kind: string; metadata: { name: string; namespace: string }; data: Record<string, string> };
  const pvc = parse(files['results-pvc.yaml'] ?? '') as { kind: string; metadata: { name: string }; spec: { accessModes: string[] } };

  it('a TestRun the operator documents: parallelism, the script in the ConfigMap, runner env and arguments', () => {
    expect(testRun.spec.parallelism).toBe(3);
    expect(testRun.spec.script.configMap).toEqual({ name: configMap.metadata.name, file: SCRIPT_FILE });
    expect(testRun.spec.arguments?.split(' ')).toEqual([
      '--config',
      `/test/${CONFIG_FILE}`,
      '-e',
      'BASE_URL=http://photos.staging.svc:8080',
      '-e',
      'REQUEST_TIMEOUT=10000ms',
      '--no-usage-report',
    ]);
    expect(testRun.spec.runner?.image).toBe('grafana/k6:2.2.0');
    // Each runner writes its own file: the pod name, from the downward API, expanded into K6_OUT.
    const env = testRun.spec.runner?.env ?? [];
    expect(env.findIndex((e) => e.name === 'POD_NAME')).toBeLessThan(env.findIndex((e) => e.name === 'K6_OUT'));
    expect(env.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef.fieldPath).toBe('metadata.name');
    expect(env.find((e) => e.name === 'K6_OUT')?.value).toBe(RUNNER_OUT);
    expect(RUNNER_OUT).toBe('json=/results/$(POD_NAME).json');
  });

  it('the ConfigMap holds the bundle and the open-model k6 config; the volume is shared by every runner', () => {
    expect(configMap.kind).toBe('ConfigMap');
    expect(configMap.metadata.namespace).toBe('load');
    expect(configMap.data[SCRIPT_FILE]).toBe(opts.bundle);
    expect(JSON.parse(configMap.data[CONFIG_FILE] ?? '{}')).toEqual(k6Config(opts));
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(testRun.spec.runner?.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: pvc.metadata.name } }]);
    expect(testRun.spec.runner?.volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
    expect(files['README.md']).toContain(`npx brownout judge ./samples scenarios/slow-transaction.ts`);
  });

  it('the schema catches a field the operator does not know', () => {
    const bad = parse(files['testrun.yaml'] ?? '') as { spec: Record<string, unknown> };
    bad.spec['paralelism'] = 3;
    expect(testRunSchema.safeParse(bad).success).toBe(false);
  });
});
