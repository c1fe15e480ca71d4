import { describe, expect, it } from 'vitest';
import type { ScenarioError } from '../core/errors.ts';
import { at, gateway, latency, lockWait, scenario, service } from './dsl.ts';
import { magnitudeOf, phaseNames, withMagnitude } from './vary.ts';

const def = scenario({
  name: 'demo',
  incident: 'test',
  stack: () => ({ app: service({ command: ['node', 'x.js'] }), edge: gateway({ to: 'app', timeout: '3s' }) }),
  load: { script: 'x.k6.ts', target: 'edge', rate: 10, duration: '20s' },
  timeline: [
    at('2s', latency({ link: 'edge→app', latency: '400ms' }), { for: '3s' }),
    at('8s', lockWait({ db: 'db', rows: 'SELECT 1' }), { for: '5s', name: 'album-lock' }),
    at('14s', latency({ link: 'edge→app', latency: '1s', toxicity: 0.5 }), { for: '2s' }),
  ],
  expect: {},
});

describe('one fault magnitude, as brownout margin varies it', () => {
  it('names entries as resolution does: the name, else the type, numbered where it repeats', () => {
    expect(phaseNames(def.timeline)).toEqual(['latency-1', 'album-lock', 'latency-2']);
  });
  it("reads a duration field in ms, a numeric one as is, 'for' from the entry", () => {
    expect(magnitudeOf('demo.ts', def, { fault: 'album-lock', field: 'for' })).toEqual({ value: 5000, unit: 'ms' });
    expect(magnitudeOf('demo.ts', def, { fault: 'latency-1', field: 'latency' })).toEqual({ value: 400, unit: 'ms' });
    expect(magnitudeOf('demo.ts', def, { fault: '2', field: 'toxicity' })).toEqual({ value: 0.5, unit: '' });
  });
  it('changes that field of that entry only, in the form the scenario wrote it', () => {
    const v = withMagnitude('demo.ts', def, { fault: 'album-lock', field: 'for' }, 1800);
    expect(v.timeline[1]).toEqual({ ...def.timeline[1], for: '1800ms' });
    const l = withMagnitude('demo.ts', def, { fault: 'latency-2', field: 'toxicity' }, 0.8);
    expect(l.timeline[2]?.fault).toEqual({ type: 'latency', link: 'edge→app', latency: '1s', toxicity: 0.8 });
    expect([v.timeline[0], v.timeline[2], l.timeline[0], l.timeline[1]]).toEqual([def.timeline[0], def.timeline[2], def.timeline[0], def.timeline[1]]);
  });
  it('an unknown entry or a field that is no magnitude: one error naming the flag or field and what to give', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as ScenarioError;
      }
      throw new Error('no error');
    };
    const e1 = err(() => magnitudeOf('demo.ts', def, { fault: 'lock', field: 'for' }));
    expect(e1.problems[0]).toMatchObject({ field: '--fault', message: "'lock' is no entry of the timeline" });
    expect(e1.problems[0]?.fix).toContain('latency-1, album-lock, latency-2');
    const e2 = err(() => magnitudeOf('demo.ts', def, { fault: 'album-lock', field: 'rows' }));
    expect(e2.problems[0]).toMatchObject({ field: 'timeline[1].fault.rows' });
    expect(e2.problems[0]?.fix).toBe('vary one of: for');
  });
});
