import { type Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleLoadScript, k6Version, k8sManifests } from '../../load/index.ts';
import { loadScenario } from '../../scenario/index.ts';

async function exportK8s(
  file: string,
  opts: { targetUrl: string; parallelism: string; out: string; mode?: string; image?: string; namespace?: string },
): Promise<number> {
  const n = Number(opts.parallelism);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    process.stderr.write(
      `brownout export k8s: --parallelism ${opts.parallelism}: not a whole number from 1 to 1000\nfix: give how many k6 runners, e.g. --parallelism 4\n`,
    );
    return 2;
  }
  if (!/^https?:\/\/[^\s/]+/.test(opts.targetUrl)) {
    process.stderr.write(
      `brownout export k8s: --target-url ${opts.targetUrl}: not an http(s) URL\nfix: give the URL the runners send load to, e.g. http://photos.staging.svc:8080\n`,
    );
    return 2;
  }
  const sc = await loadScenario(file, opts.mode ? { mode: opts.mode } : {});
  const bundle = await bundleLoadScript(sc.load.scriptPath);
  const image = opts.image ?? `grafana/k6:${(await k6Version()).replace(/^v/, '')}`;
  const files = k8sManifests({
    name: sc.name,
    bundle,
    parallelism: n,
    targetUrl: opts.targetUrl,
    rate: sc.load.rate,
    durationMs: sc.load.durationMs,
    requestTimeoutMs: sc.load.requestTimeoutMs,
    preAllocatedVUs: sc.load.preAllocatedVUs,
    maxVUs: sc.load.maxVUs,
    ...(sc.load.arrivals ? { arrivals: sc.load.arrivals } : {}),
    ...(sc.load.shed ? { shed: sc.load.shed } : {}),
    image,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  });
  mkdirSync(opts.out, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(opts.out, name), text);
  process.stdout.write(
    `${Object.keys(files)
      .map((f) => path.join(opts.out, f))
      .join('\n')}\n`,
  );
  return 0;
}

export function registerExport(program: Command): void {
  const exporter = program.command('export').description('write what runs the load elsewhere');
  exporter
    .command('k8s')
    .description('k6-operator manifests: the bundled load script as a ConfigMap, a TestRun with N runners, a volume for their samples')
    .argument('<scenario>', 'a scenario file')
    .requiredOption('--target-url <url>', 'where the load goes in the cluster (faults are not exported)')
    .addOption(new Option('--parallelism <n>', 'k6 runners (each its execution segment)').default('4'))
    .addOption(new Option('--out <dir>', 'where the manifests go').default('k8s'))
    .addOption(new Option('--mode <mode>', "the scenario's mode"))
    .addOption(new Option('--image <image>', 'the k6 runner image; default: grafana/k6 at the k6 version brownout runs'))
    .addOption(new Option('--namespace <ns>', 'the namespace of every resource'))
    .action(async (file: string, opts: { targetUrl: string; parallelism: string; out: string; mode?: string; image?: string; namespace?: string }) => {
      process.exitCode = await exportK8s(file, opts);
    });
}
