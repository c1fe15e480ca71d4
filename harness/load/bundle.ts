import path from 'node:path';
import { buildToText } from '../core/esbuild.ts';
import { LoadError } from '../core/errors.ts';

/**
 * Bundles a TypeScript k6 script into one ES module k6 can run. k6's own modules ('k6',
 * 'k6/http', ...) and remote jslibs stay external: k6 provides them at run time.
 */
export async function bundleLoadScript(scriptPath: string): Promise<string> {
  try {
    // In memory: a broken script is rejected before anything (a temp dir, a process) exists.
    return await buildToText({
      entryPoints: [scriptPath],
      outfile: 'load.bundle.js',
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2020',
      external: ['k6', 'k6/*', 'https://*', 'http://*'],
      logLevel: 'silent',
      sourcemap: false,
      // Strings as written (esbuild's default escapes non-ASCII): a check or metric named 'prix affiché' is found in the bundle by its name.
      charset: 'utf8',
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors ?? [];
    // esbuild names files relative to the working directory; the error names them absolutely.
    const where = errors
      .map((er) => (er.location ? `${path.resolve(er.location.file)}:${er.location.line}:${er.location.column}: ${er.text}` : er.text))
      .join('\n');
    throw new LoadError(
      'the load script does not bundle',
      where || scriptPath,
      'fix the error in the load script (k6 scripts may import only k6 modules and relative files)',
      e,
    );
  }
}
