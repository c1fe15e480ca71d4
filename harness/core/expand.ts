/**
 * `${NAME}` in a service's command, setup or env value becomes the harness's value of NAME (PORT,
 * HOST, DB_HOST, CACHE_URL, ...): a server that takes its port as a flag, or a DATABASE_URL built
 * from the parts, needs no wrapper shell. Names the harness does not set are left as written.
 */
export function expandVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => vars[name] ?? whole);
}
