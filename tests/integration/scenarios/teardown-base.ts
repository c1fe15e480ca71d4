import { at, gateway, httpError, latency, lockWait, mariadb, scenario, service, type ScenarioDefinition } from '../../../harness/index.ts';
import { sampleImage } from '../../../fixtures/image.ts';

/**
 * A short run of the photo stack for teardown proofs: 8 s of load, a latency toxic from 2 s to
 * 6 s. `variant` picks how the run ends on its own: pass, an expectation failing, a fault that
 * throws, or a stop condition that holds (the gateway's app answering 503 to everything from 2 s).
 */
export function teardownScenario(variant: 'pass' | 'fail' | 'fault-throws' | 'abort'): ScenarioDefinition {
  return scenario({
    name: `teardown-${variant}`,
    incident: `test: teardown after a run that ends by ${variant}`,
    stack: () => ({
      db: mariadb({ schema: '../../../fixtures/photo/schema.sql', seed: '../../../fixtures/photo/seed.sql' }),
      imager: service({ command: ['node', '--import', 'tsx', '../../../fixtures/photo/imager.ts'], ...sampleImage(import.meta.url) }),
      app: service({
        command: ['node', '--import', 'tsx', '../../../fixtures/photo/server.ts'],
        ...sampleImage(import.meta.url),
        env: { MODE: 'fixed' },
        dependsOn: ['db', 'imager'],
      }),
      edge: gateway({ to: 'app', timeout: '3s', timeoutStatus: 503 }),
    }),
    load: { script: '../../../scenarios/load/photos.k6.ts', target: 'edge', rate: 20, duration: '8s' },
    timeline: [
      at('2s', latency({ link: 'app→imager', latency: '500ms' }), { for: '4s' }),
      ...(variant === 'fault-throws' ? [at('3s', lockWait({ db: 'db', rows: 'SELECT * FROM no_such_table WHERE id = 1' }), { for: '2s' })] : []),
      ...(variant === 'abort' ? [at('2s', httpError({ link: 'edge→app', status: 503 }), { for: '4s', name: 'all-503' })] : []),
    ],
    ...(variant === 'abort' ? { abortWhen: ['rate(503) > 50% for 1s'] } : {}),
    expect: {
      baseline: ['rate(5xx) < 1%'],
      fault: variant === 'fail' ? ['p50 < 1ms'] : ['rate(5xx) < 1%'],
      recovery: ['rate(5xx) < 1%'],
    },
  });
}
