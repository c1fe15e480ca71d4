import { describe, expect, it } from 'vitest';
import { cgroupCannot } from '../kind.ts';
import { cpuKind } from './cpu.ts';
import { applyAndHeal, resolved, resolveWith } from './testkit.ts';

describe('cpu', () => {
  it('limits the part to `cores` for the span and lifts the limit once at heal; the part is slowed, not killed', async () => {
    const { fault, label } = resolved(cpuKind, { type: 'cpu', part: 'app', cores: 0.25 });
    expect(label).toBe('cpu app at most 0.25 cores');
    expect(cpuKind.hitsProcess).toBe(false);
    expect(await applyAndHeal(cpuKind, fault)).toEqual({ applied: ['app: cpu 0.25'], healed: ['app: cpu lifted'] });
  });
  it('refuses no CPU at all and a part the stack lacks', () => {
    expect(resolveWith(cpuKind, { type: 'cpu', part: 'app', cores: 0 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.cores: /);
    expect(resolveWith(cpuKind, { type: 'cpu', part: 'web', cores: 1 }).problems[0]).toMatch(/^timeline\[0\]\.fault\.part: 'web' is not/);
  });
  it('a machine without cgroup v1’s cpu controller is told so before anything starts, naming the containers backend; containers need none', () => {
    expect(cgroupCannot('cpu', 'local', '/nonexistent/cpu')).toEqual({
      message:
        "a cpu fault needs cgroup v1's cpu controller on the local backend: no cgroup v1 cpu controller at /nonexistent/cpu (cpu.cfs_quota_us): this machine has cgroup v2 only, or no cpu controller mounted",
      fix: "run on a machine with cgroup v1's cpu controller, as root, or on --stack containers (the container's own limit)",
    });
    expect(cgroupCannot('cpu', 'containers', '/nonexistent/cpu')).toBeUndefined();
    // This machine has it (the suite's machine kind: cgroup v1, root).
    expect(cpuKind.cannotApplyOn?.(resolved(cpuKind, { type: 'cpu', part: 'app', cores: 1 }).fault, 'local')).toBeUndefined();
  });
});
