import { describe, expect, it } from 'vitest';
import type { RunResult } from '../report/index.ts';
import { exitCodeOf } from './result.ts';

const withVerdict = (verdict: RunResult['verdict']) => ({ verdict }) as RunResult;

describe('the exit code, decided in one place', () => {
  it('0 pass, 1 an expectation failed', () => {
    expect(exitCodeOf({ error: undefined, result: withVerdict('pass'), cleanupFailures: [] })).toBe(0);
    expect(exitCodeOf({ error: undefined, result: withVerdict('fail'), cleanupFailures: [] })).toBe(1);
  });
  it('2 for an untrusted verdict, an error, no result, or anything teardown could not release, whatever the verdict', () => {
    expect(exitCodeOf({ error: undefined, result: withVerdict('untrusted'), cleanupFailures: [] })).toBe(2);
    expect(exitCodeOf({ error: new Error('k6 exited 107'), result: undefined, cleanupFailures: [] })).toBe(2);
    expect(exitCodeOf({ error: undefined, result: undefined, cleanupFailures: [] })).toBe(2);
    expect(exitCodeOf({ error: undefined, result: withVerdict('pass'), cleanupFailures: ['pid 4242 (haproxy) still alive'] })).toBe(2);
    expect(exitCodeOf({ error: undefined, result: withVerdict('fail'), cleanupFailures: ['port 40123 still bound'] })).toBe(2);
  });
});
