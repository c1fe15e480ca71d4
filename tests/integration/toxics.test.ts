import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupList } from '../../harness/core/cleanup.ts';
import { applyFault, type ResolvedFault } from '../../harness/faults/index.ts';
import { startStack, type StartedLocalStack } from '../../harness/stack/index.ts';
import { blobServicePart } from './helpers.ts';

/**
 * Each Toxiproxy toxic's documented effect, measured on a real Toxiproxy server between two real
 * processes: the link probe→app, reached from here at its proxy's port. The app closes every
 * connection after its answer, so each request is a connection of its own.
 */
const LINK = 'probe→app';
const dir = mkdtempSync(path.join(os.tmpdir(), 'brownout-toxics-'));
const cleanup = new CleanupList();
let stack: StartedLocalStack;
let port = 0;

beforeAll(async () => {
  stack = await startStack([blobServicePart('app'), blobServicePart('probe', ['app'])], [{ name: LINK, from: 'probe', to: 'app', http: [] }], {
    runId: 'toxics',
    dir,
    cleanup,
  });
  port = stack.links.get(LINK)?.listenPort ?? 0;
}, 60_000);

afterAll(async () => {
  const failures = await cleanup.releaseAll();
  rmSync(dir, { recursive: true, force: true });
  expect(failures).toEqual([]);
});

/** Applies the fault for the duration of `during`, healing it whatever happens. */
async function under<T>(fault: ResolvedFault, during: () => Promise<T>): Promise<T> {
  const active = await applyFault(fault, stack, 'test', fault.type);
  try {
    return await during();
  } finally {
    await active.heal();
  }
}

/** GET /blob?kb=N through the proxy: ms to the whole body. */
async function timedGet(kb: number): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/blob?kb=${kb}`);
  await r.arrayBuffer();
  return performance.now() - t0;
}

/** One HTTP/1.0 request on a raw socket: the bytes and packets received, when the last came and when the close came. */
function rawGet(kb: number): Promise<{ bytes: number; packets: number; ms: number; closeAfterDataMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let bytes = 0;
    let packets = 0;
    let last = t0;
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET /blob?kb=${kb} HTTP/1.0\r\nHost: x\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      packets++;
      last = performance.now();
    });
    s.on('error', reject);
    s.on('close', () => resolve({ bytes, packets, ms: performance.now() - t0, closeAfterDataMs: performance.now() - last }));
    s.setTimeout(20_000, () => s.destroy(new Error('no close within 20 s')));
  });
}

const toxic = { streams: ['downstream'] as const, toxicity: 1 };

describe('every Toxiproxy toxic, its effect measured on a real link', () => {
  it('bandwidth 25 KB/s: a 50 KB answer takes about 2 s (under 0.5 s without)', async () => {
    expect(await timedGet(50)).toBeLessThan(500);
    const ms = await under({ type: 'bandwidth', link: LINK, rateKBps: 25, ...toxic }, () => timedGet(50));
    expect(ms).toBeGreaterThan(1500);
    expect(ms).toBeLessThan(3500);
  }, 30_000);

  it('latency 400 ms with toxicity 0.3: about 30% of the connections are slow, the others are not', async () => {
    const times = await under({ type: 'latency', link: LINK, latencyMs: 400, jitterMs: 0, streams: ['downstream'], toxicity: 0.3 }, async () => {
      const out: number[] = [];
      for (let i = 0; i < 80; i++) out.push(await timedGet(1));
      return out;
    });
    const slow = times.filter((t) => t >= 380).length / times.length;
    // Binomial, n = 80, p = 0.3: sd 0.05; within 3 sd.
    expect(slow).toBeGreaterThan(0.15);
    expect(slow).toBeLessThan(0.45);
    expect(times.filter((t) => t < 380).every((t) => t < 200)).toBe(true);
  }, 60_000);

  it('latency both ways: the request and the answer are each held (about twice one way)', async () => {
    const ms = await under({ type: 'latency', link: LINK, latencyMs: 300, jitterMs: 0, streams: ['upstream', 'downstream'], toxicity: 1 }, () => timedGet(1));
    expect(ms).toBeGreaterThan(580);
    expect(ms).toBeLessThan(1200);
  }, 30_000);

  it('slowClose 1 s: the close comes about 1 s after the last byte (at once without)', async () => {
    expect((await rawGet(1)).closeAfterDataMs).toBeLessThan(300);
    const r = await under({ type: 'slowClose', link: LINK, delayMs: 1000, ...toxic }, () => rawGet(1));
    expect(r.bytes).toBeGreaterThan(1024);
    expect(r.closeAfterDataMs).toBeGreaterThan(900);
  }, 30_000);

  it('slicer 100 B packets 5 ms apart: a 10 KB answer comes in many small packets, slower', async () => {
    const plain = await rawGet(10);
    const r = await under({ type: 'slicer', link: LINK, size: 100, variation: 0, delayMs: 5, ...toxic }, () => rawGet(10));
    expect(r.bytes).toBe(plain.bytes);
    expect(r.packets).toBeGreaterThan(plain.packets * 5);
    expect(r.packets).toBeGreaterThan(40);
    expect(r.ms).toBeGreaterThan(300);
  }, 30_000);

  it('limitData 1000 B: the connection closes after 1000 bytes, the answer cut short', async () => {
    const r = await under({ type: 'limitData', link: LINK, bytes: 1000, ...toxic }, () => rawGet(10));
    expect(r.bytes).toBeLessThanOrEqual(1000);
    expect(r.bytes).toBeGreaterThan(0);
    expect((await rawGet(10)).bytes).toBeGreaterThan(10 * 1024);
  }, 30_000);

  it('leaves no toxic on the server once each is healed', async () => {
    expect(await stack.listToxics()).toEqual([]);
  });
});
