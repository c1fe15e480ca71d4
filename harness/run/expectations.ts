import { measureOf, type Expectation } from '../measures/index.ts';
import type { K6Samples } from '../metrics/index.ts';
import type { ResolvedScenario } from '../scenario/index.ts';

type Problem = { field: string; message: string; fix: string };

/** Every expectation of a scenario with its field: 'expect.baseline[0]', 'expect.slow-thumbnails[1]'. */
function everyExpectation(sc: Pick<ResolvedScenario, 'expect' | 'faultExpect'>): { field: string; e: Expectation }[] {
  const out: { field: string; e: Expectation }[] = [];
  for (const [scope, list] of [...Object.entries(sc.expect), ...Object.entries(sc.faultExpect)])
    list.forEach((e, i) => out.push({ field: `expect.${scope}[${i}]`, e }));
  return out;
}

/** Before the load: what each expectation's measure needs the bundled load script to name (a k6 metric, a check). */
export function scriptProblems(sc: Pick<ResolvedScenario, 'expect' | 'faultExpect'>, bundle: string): Problem[] {
  return everyExpectation(sc).flatMap(({ field, e }) => {
    const p = measureOf(e.metric.kind).beforeLoad?.(e, bundle);
    return p ? [{ field, ...p }] : [];
  });
}

/** After the load: what each expectation's measure needs the load to have produced (a k6 metric's samples). */
export function producedProblems(sc: Pick<ResolvedScenario, 'expect' | 'faultExpect'>, samples: K6Samples | undefined): Problem[] {
  return everyExpectation(sc).flatMap(({ field, e }) => {
    const p = measureOf(e.metric.kind).afterLoad?.(e, samples);
    return p ? [{ field, ...p }] : [];
  });
}
