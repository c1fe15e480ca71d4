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
});
