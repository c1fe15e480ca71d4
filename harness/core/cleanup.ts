import { debug } from './log.ts';

const log = debug('cleanup');

interface Entry {
  label: string;
  release: () => Promise<void>;
}

/**
 * The run's cleanup list. Every resource is added the moment it exists (before it is ready), so a
 * failure half-way through start-up still releases it. Released in reverse order of addition,
 * each with a time bound, errors collected rather than stopping at the first.
 */
export class CleanupList {
  private readonly entries: Entry[] = [];
  private running: Promise<string[]> | undefined;

  add(label: string, release: () => Promise<void>): void {
    this.entries.push({ label, release });
  }

  /** Labels of what has not been released yet, next first. */
  pending(): string[] {
    return this.entries.map((e) => e.label).reverse();
  }

  /** Returns the labels of what could not be released, with the reason. Idempotent. */
  releaseAll(perEntryTimeoutMs = 10_000): Promise<string[]> {
    this.running ??= (async () => {
      const failures: string[] = [];
      while (this.entries.length > 0) {
        const e = this.entries.pop();
        if (!e) break;
        const t0 = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            e.release(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${perEntryTimeoutMs} ms`)), perEntryTimeoutMs);
            }),
          ]);
          log(`released ${e.label} in ${Date.now() - t0} ms`);
        } catch (err) {
          failures.push(`${e.label}: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          clearTimeout(timer);
        }
      }
      return failures;
    })();
    return this.running;
  }
}
