import { printable } from './text.ts';
/**
 * One base class, one subclass per kind. Each message has three parts: what failed, where
 * (file/field, or part/command and its last log lines), and what to do (`hint`).
 * `code` is stable and never reused.
 */
export type ErrorCode =
  | 'BO_SCENARIO'
  | 'BO_STACK_START'
  | 'BO_STACK'
  | 'BO_FAULT'
  | 'BO_LOAD'
  | 'BO_LOAD_SATURATED'
  | 'BO_MACHINE_BUSY'
  | 'BO_SETUP'
  | 'BO_INTERRUPTED'
  | 'BO_BASELINE'
  | 'BO_REPLAY'
  | 'BO_MARGIN'
  | 'BO_SOAK';

export class HarnessError extends Error {
  readonly code: ErrorCode;
  readonly where: string;
  readonly hint: string;
  constructor(code: ErrorCode, what: string, where: string, hint: string, options?: { cause?: unknown }) {
    super(what, options);
    this.code = code;
    this.where = where;
    this.hint = hint;
    this.name = new.target.name;
  }
  /** The three-part message shown to a person. */
  describe(): string {
    const lines = [`${this.name} [${this.code}]: ${this.message}`];
    if (this.where) lines.push(`  where: ${this.where.split('\n').join('\n         ')}`);
    if (this.hint) lines.push(`  fix:   ${this.hint}`);
    if (this.cause instanceof Error && !(this.cause instanceof HarnessError)) {
      lines.push(`  cause: ${this.cause.message}`);
    }
    return lines.join('\n');
  }
}

export class ScenarioError extends HarnessError {
  /** One problem of a scenario file: the file, the field path, what is wrong, how to fix it. */
  readonly problems: readonly { field: string; message: string; fix: string }[];
  readonly file: string;
  constructor(file: string, problems: readonly { field: string; message: string; fix: string }[]) {
    const first = problems[0] ?? { field: '', message: 'invalid scenario', fix: '' };
    super(
      'BO_SCENARIO',
      problems.length === 1 ? `invalid scenario: ${first.message}` : `invalid scenario: ${problems.length} problems`,
      problems.map((p) => `${file} › ${p.field || '(root)'}: ${p.message}`).join('\n'),
      problems
        .map((p) => p.fix)
        .filter((f, i, all) => f && all.indexOf(f) === i)
        .join('; '),
    );
    this.problems = problems;
    this.file = file;
  }

  /** Several problems: each on its own line with its own fix (a joined list of fixes says which is whose). */
  override describe(): string {
    if (this.problems.length <= 1) return super.describe();
    const lines = [`${this.name} [${this.code}]: ${this.message}`];
    this.problems.forEach((p, i) => {
      lines.push(`  ${i + 1}. ${this.file} › ${p.field || '(root)'}: ${p.message}`, `     fix: ${p.fix}`);
    });
    return lines.join('\n');
  }
}

export class StackStartError extends HarnessError {
  constructor(part: string, what: string, command: string, logTail: string, hint: string, cause?: unknown) {
    super('BO_STACK_START', `${part}: ${what}`, `command: ${command}${logTail ? `\nlast log lines:\n${logTail}` : ''}`, hint, { cause });
  }
}

export class StackError extends HarnessError {
  constructor(what: string, where: string, hint: string, cause?: unknown) {
    super('BO_STACK', what, where, hint, { cause });
  }
}

export class FaultError extends HarnessError {
  constructor(fault: string, what: string, hint: string, cause?: unknown) {
    super('BO_FAULT', `${fault}: ${what}`, `fault ${fault}`, hint, { cause });
  }
}

export class LoadError extends HarnessError {
  constructor(what: string, where: string, hint: string, cause?: unknown, code: ErrorCode = 'BO_LOAD') {
    super(code, what, where, hint, { cause });
  }
}

/** An access log or a replay option that cannot be turned into a scenario. */
export class ReplayError extends HarnessError {
  constructor(what: string, where: string, hint: string, cause?: unknown) {
    super('BO_REPLAY', what, where, hint, { cause });
  }
}

/** An error as shown to a person (a terminal, a log): its text may come from the system under test, so no control character passes raw. */
export function errorMessage(e: unknown): string {
  if (e instanceof HarnessError) return printable(e.describe());
  if (e instanceof Error) return printable(e.stack ?? e.message);
  return printable(String(e));
}
