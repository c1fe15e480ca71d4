/** One namespaced debug logger: DEBUG=brownout* (or brownout:stack, ...) prints timed lines to stderr. */
const started = Date.now();

function enabled(ns: string): boolean {
  const spec = process.env['DEBUG'] ?? '';
  return spec.split(/[\s,]+/).some((p) => p && (p === ns || (p.endsWith('*') && ns.startsWith(p.slice(0, -1)))));
}

export function debug(ns: string): (msg: string) => void {
  const name = `brownout:${ns}`;
  return (msg) => {
    if (enabled(name)) process.stderr.write(`+${((Date.now() - started) / 1000).toFixed(3)}s ${name} ${msg}\n`);
  };
}
