import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleLoadScript } from './bundle.ts';

const SCRIPT = 'scenarios/load/orders.k6.ts';

describe('bundleLoadScript', () => {
  // Two runs side by side in one process bundle at once: the first to finish must not stop the
  // esbuild service under the other (its promise then never settled, and that run hung).
  it('bundles side by side: every bundle settles, each the same module', async () => {
    const outs = await Promise.all([SCRIPT, SCRIPT, SCRIPT].map((s) => bundleLoadScript(s)));
    expect(outs).toHaveLength(3);
    for (const o of outs) expect(o).toBe(outs[0]);
    expect(outs[0]).toContain('from "k6/http"');
  }, 10_000);

  it('bundles again after the service stopped', async () => {
    await bundleLoadScript(SCRIPT);
    expect(await bundleLoadScript(SCRIPT)).toContain('export');
  });

  it('keeps strings as written: a check named with non-ASCII letters is in the bundle by its name (a check the bundle never names is refused before the load)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-bundle-'));
    try {
      const file = path.join(dir, 'load.ts');
      writeFileSync(
        file,
        "import { check } from 'k6';\nimport http from 'k6/http';\nexport default function () { check(http.get('http://127.0.0.1:1/'), { 'prix affiché': (r) => r.status === 200 }); }\n",
      );
      expect(await bundleLoadScript(file)).toContain('prix affiché');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
