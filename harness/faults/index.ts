import type mysql from 'mysql2/promise';
import { FaultError, StackError } from '../core/errors.ts';
import { debug } from '../core/log.ts';
import type { ResolvedFault } from '../scenario/index.ts';
import type { ActiveToxic, RunningStack, ToxicSpec } from '../stack/index.ts';

const log = debug('faults');

/** An applied fault. heal() is idempotent: the timeline and the teardown may both call it. */
export interface ActiveFault {
  readonly label: string;
  heal(): Promise<void>;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

/** Toxiproxy latency on one link of the stack. */
async function applyLatency(f: Extract<ResolvedFault, { type: 'latency' }>, stack: RunningStack, id: string, label: string): Promise<ActiveFault> {
  const proxy = stack.links.get(f.link);
  if (!proxy) throw new FaultError(label, `no proxy for link ${f.link}`, `links are: ${[...stack.links.keys()].join(', ')}`);
  const toxic = await proxy.addToxic({ name: `${id}-latency`, type: 'latency', stream: f.stream, attributes: { latency: f.latencyMs, jitter: f.jitterMs } });
  return { label, heal: once(() => toxic.remove()) };
}

/**
 * A foreign lock holder: a transaction of its own (straight to the server, not through Toxiproxy)
 * that locks the rows with SELECT ... FOR UPDATE and holds them until heal rolls it back.
 */
async function applyLockWait(f: Extract<ResolvedFault, { type: 'lockWait' }>, stack: RunningStack, label: string): Promise<ActiveFault> {
  const db = stack.parts.get(f.db);
  if (db?.kind !== 'mariadb') throw new FaultError(label, `${f.db} is not a started mariadb`, 'name a mariadb part in fault.db');
  let conn: mysql.Connection | undefined;
  try {
    conn = await db.adminConnection();
    await conn.query('SET SESSION innodb_lock_wait_timeout = 30');
    await conn.beginTransaction();
    const [rows] = await conn.query(`${f.rows} FOR UPDATE`);
    log(`${label}: holding ${Array.isArray(rows) ? rows.length : 0} row(s)`);
  } catch (e) {
    await conn?.end().catch(() => undefined);
    throw new FaultError(label, `could not take the locks: ${(e as Error).message}`, 'check that fault.rows is a valid SELECT on existing tables', e);
  }
  const c = conn;
  return {
    label,
    heal: once(async () => {
      try {
        await c.rollback();
      } finally {
        await c.end();
      }
    }),
  };
}

const noHeal = once(async () => undefined);

/** Toxiproxy timeout on both streams of a link: nothing gets through (a blackhole). */
async function applyToxic(stack: RunningStack, link: string, label: string, toxics: ToxicSpec[]): Promise<ActiveFault> {
  const proxy = stack.links.get(link);
  if (!proxy) throw new FaultError(label, `no proxy for link ${link}`, `links are: ${[...stack.links.keys()].join(', ')}`);
  const active: ActiveToxic[] = [];
  try {
    for (const t of toxics) active.push(await proxy.addToxic(t));
  } catch (e) {
    await Promise.allSettled(active.map((a) => a.remove()));
    throw e;
  }
  return { label, heal: once(async () => void (await Promise.all(active.map((a) => a.remove())))) };
}

/** A disabled proxy refuses new connections and drops open ones (Toxiproxy's "down"). */
async function applyDown(stack: RunningStack, link: string, label: string): Promise<ActiveFault> {
  const proxy = stack.links.get(link);
  if (!proxy) throw new FaultError(label, `no proxy for link ${link}`, `links are: ${[...stack.links.keys()].join(', ')}`);
  await proxy.setEnabled(false);
  return { label, heal: once(() => proxy.setEnabled(true)) };
}

/** Kills what serves the part (see RunningStack.kill): the incident's crash, not the harness's stop. */
async function applyKill(stack: RunningStack, f: Extract<ResolvedFault, { type: 'kill' }>, label: string): Promise<ActiveFault> {
  // Already down (e.g. it crashed earlier in the scenario): what the kill is for already holds.
  if (!(await stack.kill(f.part, f.signal))) log(`${label}: ${f.part} is not running; nothing to kill`);
  return { label, heal: noHeal };
}

async function applyFreeze(stack: RunningStack, part: string, label: string): Promise<ActiveFault> {
  return { label, heal: once(await stack.freeze(part)) };
}

async function applyRestart(stack: RunningStack, part: string, label: string): Promise<ActiveFault> {
  const p = stack.parts.get(part);
  if (p?.kind !== 'service') throw new FaultError(label, `${part} is not a started service`, 'restart a service part');
  await p.restart();
  return { label, heal: noHeal };
}

/** One request straight to the service's own port; its answer (or none) is logged, never judged. */
async function applyRequest(stack: RunningStack, f: Extract<ResolvedFault, { type: 'request' }>, label: string): Promise<ActiveFault> {
  const p = stack.parts.get(f.part);
  if (p?.kind !== 'service') throw new FaultError(label, `${f.part} is not a started service`, 'send requests to a service part');
  try {
    const r = await fetch(`${p.url}${f.path}`, { method: f.method, ...(f.body === undefined ? {} : { body: f.body, headers: { 'content-type': 'application/json' } }), signal: AbortSignal.timeout(5000) });
    log(`${label}: answered ${r.status}`);
  } catch (e) {
    log(`${label}: no answer (${(e as Error).message})`);
  }
  return { label, heal: noHeal };
}

export async function applyFault(fault: ResolvedFault, stack: RunningStack, id: string, label: string): Promise<ActiveFault> {
  log(`apply ${label}`);
  try {
    switch (fault.type) {
      case 'latency':
        return await applyLatency(fault, stack, id, label);
      case 'lockWait':
        return await applyLockWait(fault, stack, label);
      case 'timeout':
        return await applyToxic(stack, fault.link, label, [
          { name: `${id}-timeout-up`, type: 'timeout', stream: 'upstream', attributes: { timeout: fault.timeoutMs } },
          { name: `${id}-timeout-down`, type: 'timeout', stream: 'downstream', attributes: { timeout: fault.timeoutMs } },
        ]);
      case 'resetPeer':
        return await applyToxic(stack, fault.link, label, [{ name: `${id}-reset`, type: 'reset_peer', stream: 'upstream', attributes: { timeout: fault.afterMs } }]);
      case 'down':
        return await applyDown(stack, fault.link, label);
      case 'kill':
        return await applyKill(stack, fault, label);
      case 'freeze':
        return await applyFreeze(stack, fault.part, label);
      case 'restart':
        return await applyRestart(stack, fault.part, label);
      case 'request':
        return await applyRequest(stack, fault, label);
      case 'flushCache': {
        const p = stack.parts.get(fault.part);
        if (p?.kind !== 'redis') throw new FaultError(label, `${fault.part} is not a started redis`, 'flush a redis part');
        await p.flushAll();
        return { label, heal: noHeal };
      }
    }
  } catch (e) {
    if (e instanceof FaultError) throw e;
    // The stack's own refusal (a part not running) already says what to do.
    if (e instanceof StackError) throw new FaultError(label, e.message, e.hint, e);
    throw new FaultError(label, `apply failed: ${(e as Error).message}`, 'see the cause; the stack may have lost a part', e);
  }
}
