/**
 * An environment variable whose name says it holds a secret (the names log scrubbers look for:
 * password, secret, token, key, auth, credential, session, cookie, dsn), or whose value carries
 * credentials in a URL (scheme://user:password@host).
 */
export function looksSecret(name: string, value: string): boolean {
  return (
    /pass(word|wd)?|pwd|secret|token|api_?key|private_?key|access_?key|auth|credential|session|cookie|dsn/i.test(name) ||
    /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i.test(value)
  );
}

/**
 * Secrets of the run: the passwords it made, and the scenario's env values that look secret
 * (looksSecret). Anything written to a report, a log kept in it, or the terminal passes redact().
 */
export class Secrets {
  private readonly values = new Set<string>();
  add(value: string): void {
    if (value.length >= 6) this.values.add(value);
  }
  /** The values of `env` that look secret (by name or as a URL with credentials). */
  addEnv(env: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(env)) {
      if (!looksSecret(k, v)) continue;
      this.add(v);
      // The password of a URL is a secret on its own too (a driver may log it apart).
      const inUrl = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:([^/@\s]+)@/i.exec(v)?.[1];
      if (inUrl) this.add(decodeURIComponent(inUrl));
    }
  }
  redact(text: string): string {
    let out = text;
    for (const v of this.values) out = out.split(v).join('[redacted]');
    return out;
  }
}
