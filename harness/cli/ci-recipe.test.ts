import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toolsDir } from '../core/tools.ts';
import { COMMENT_MARKER } from '../report/index.ts';

// The README's CI recipe, as a team copies it: the GitHub Actions workflow passes actionlint, its
// cache keys keep the newest baseline under actions/cache's rules, its comment step finds the one
// comment by brownout's marker; the GitLab snippet is valid YAML with the JUnit report.
const ROOT = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## In CI (GitHub Actions)'), readme.indexOf('## Layout'));
const yamlBlocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
const [workflowText = '', gitlabText = ''] = yamlBlocks;

const version = /^ACTIONLINT_VERSION=(\S+)/m.exec(readFileSync(path.join(ROOT, 'harness/setup/versions.env'), 'utf8'))?.[1] ?? '';
const actionlint = path.join(toolsDir(), `actionlint-${version}`, 'actionlint');

interface Step {
  uses?: string;
  if?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
const workflow = parse(workflowText) as { on: Record<string, unknown>; jobs: { chaos: { steps: Step[] } } };
const steps = workflow.jobs.chaos.steps;
const step = (uses: string) => steps.find((s) => s.uses?.startsWith(uses));

/**
 * actions/cache's rules, as documented and as actions/cache #1071 found them: an entry, once saved
 * under a key, is never overwritten (a save under an existing key is skipped); a restore takes the
 * exact key, else the newest entry whose key starts with a restore-keys prefix.
 */
class Cache {
  private readonly entries: { key: string; value: string; at: number }[] = [];
  private clock = 0;
  save(key: string, value: string): void {
    if (!this.entries.some((e) => e.key === key)) this.entries.push({ key, value, at: ++this.clock });
  }
  restore(key: string, prefixes: string[]): string | undefined {
    const exact = this.entries.find((e) => e.key === key);
    if (exact) return exact.value;
    for (const p of prefixes) {
      const newest = this.entries.filter((e) => e.key.startsWith(p)).sort((a, b) => b.at - a.at)[0];
      if (newest) return newest.value;
    }
    return undefined;
  }
}
/** A key as the runner renders it for a run. */
const render = (template: string, runId: number) => template.replace('${{ github.run_id }}', String(runId));

describe("the README's CI recipe", () => {
  it('finds the workflow and the GitLab snippet', () => {
    expect(yamlBlocks.length).toBe(2);
    expect(workflowText).toContain('name: chaos');
  });

  it('the workflow passes actionlint (pinned, built by make test)', () => {
    expect(existsSync(actionlint), `${actionlint}: run make setup-test`).toBe(true);
    const r = spawnSync(actionlint, ['-no-color', '-'], { input: workflowText, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('its cache keys: after weeks of runs on main a pull request compares with the newest baseline', () => {
    const restore = step('actions/cache/restore');
    const save = step('actions/cache/save');
    expect(restore?.with?.['path']).toBe('reports/baseline.json');
    expect(save?.with?.['path']).toBe('reports/baseline.json');
    // Saved on main only (a pull request's run is not the reference), when the gate passed.
    expect(save?.if).toBe("github.event_name == 'push' && success()");
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    const prefixes = String(restore?.with?.['restore-keys'] ?? '')
      .split('\n')
      .filter(Boolean);
    const cache = new Cache();
    // Ten runs on main, each saving the baseline it made; then a pull request.
    for (let run = 1; run <= 10; run++) {
      cache.restore(render(restore?.with?.['key'] ?? '', run), prefixes);
      cache.save(render(save?.with?.['key'] ?? '', run), `baseline of main run ${run}`);
    }
    expect(cache.restore(render(restore?.with?.['key'] ?? '', 11), prefixes)).toBe('baseline of main run 10');
    // The old recipe's fixed key: its first entry forever.
    const fixed = new Cache();
    for (let run = 1; run <= 10; run++) fixed.save('brownout-baseline-main', `baseline of main run ${run}`);
    expect(fixed.restore('brownout-baseline-main', [])).toBe('baseline of main run 1');
  });

  it('the gate saves a baseline on main only; the comment is found by its marker and skipped on a fork', () => {
    const gate = steps.find((s) => s.run?.startsWith('make chaos'));
    expect(gate?.run).toBe(`make chaos SAVE_BASELINE="\${{ github.event_name == 'push' && 'reports/baseline.json' || '' }}"`);
    const comment = steps.find((s) => s.run?.includes('gh pr comment'));
    expect(comment?.run).toContain(`startswith("${COMMENT_MARKER}")`);
    expect(comment?.run).toContain('-X PATCH');
    expect(comment?.env?.['FORK']).toBe('${{ github.event.pull_request.head.repo.fork }}');
    expect(comment?.run).toMatch(/if \[ "\$FORK" = "true" \]; then\n\s+echo .*>> "\$GITHUB_STEP_SUMMARY"\n\s+exit 0/);
  });

  it('the GitLab snippet keeps the reports and gives GitLab the JUnit report', () => {
    const gitlab = parse(gitlabText) as { chaos: { script: string[]; artifacts: { when: string; reports: { junit: string } } } };
    expect(gitlab.chaos.script).toEqual(['make chaos']);
    expect(gitlab.chaos.artifacts.when).toBe('always');
    expect(gitlab.chaos.artifacts.reports.junit).toBe('reports/junit.xml');
  });
});
