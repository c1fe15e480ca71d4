import { FaultError, StackError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import type { StartedStack } from '../stack/index.ts';
import type { AppliedFault, FaultKind } from './kind.ts';
import { faultKind, type Fault, type ResolvedFault } from './kinds/index.ts';

export { FAULT_KINDS, FAULT_TYPES, faultKind, type Fault, type ResolvedFault } from './kinds/index.ts';
export type { AppliedFault, FaultKind, FaultResolveContext, PartKindName, ToxicOptions } from './kind.ts';
// Each kind's documented type and its scenario helper.
export * from './public.ts';

const log = debug('faults');

/** The part a fault hits: the part it names, or the far end of the link it is on. */
export function partHit(f: ResolvedFault): string {
  return faultKind(f.type)?.partHit(f) ?? '';
}

/** The rule an HTTP fault puts on its link's HTTP fault proxy; undefined for every other fault. */
export function httpRuleOf(f: ResolvedFault): ReturnType<NonNullable<FaultKind<Fault, ResolvedFault>['httpRule']>> | undefined {
  return faultKind(f.type)?.httpRule?.(f);
}

/** The first timeline entry whose fault cannot be applied on `backend` here (its kind says why): a problem of timeline[i].fault. */
export function faultBackendProblem(
  timeline: readonly { index: number; fault: ResolvedFault }[],
  backend: 'local' | 'containers',
): { field: string; message: string; fix: string } | undefined {
  for (const t of timeline) {
    const why = faultKind(t.fault.type)?.cannotApplyOn?.(t.fault, backend);
    if (why) return { field: `timeline[${t.index}].fault`, ...why };
  }
  return undefined;
}

/** The sized data filesystem a fault needs its part started with (diskFull), if any. */
export function dataDiskOf(f: ResolvedFault): { part: string; bytes: number } | undefined {
  return faultKind(f.type)?.dataDisk?.(f);
}

/** Applies a resolved fault through its kind; every failure is a FaultError naming the entry. */
export async function applyFault(fault: ResolvedFault, stack: StartedStack, id: string, label: string): Promise<AppliedFault> {
  log(`apply ${label}`);
  const kind = faultKind(fault.type);
  if (!kind) throw new FaultError(label, `no fault kind '${fault.type}'`, 'this is a bug: resolution admitted a kind that is not registered');
  try {
    return await kind.apply(fault, stack, id, label);
  } catch (e) {
    if (e instanceof FaultError) throw e;
    // The stack's own refusal (a part not running) already says what to do.
    if (e instanceof StackError) throw new FaultError(label, e.message, e.hint, e);
    throw new FaultError(label, `apply failed: ${(e as Error).message}`, 'see the cause; the stack may have lost a part', e);
  }
}
