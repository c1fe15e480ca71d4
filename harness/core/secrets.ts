/** Secrets the run made (per-run passwords). Anything written to a report or the terminal passes redact(). */
export class Secrets {
  private readonly values = new Set<string>();
  add(value: string): void {
    if (value.length >= 6) this.values.add(value);
  }
  redact(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join('[redacted]');
    return out;
  }
}
