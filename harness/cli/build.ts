/**
 * `brownout build`: the images the scenarios' services declare (`build`), built as a run on
 * --stack containers builds them (docker build --network host, the same tag), so that the first run
 * does not spend its time there: a CI step before the gate, or `make setup-containers` here.
 */
import { loadScenario, scenarioModes } from '../scenario/index.ts';
import { stackPlan, type ImageSetName } from '../stack/index.ts';

export async function buildImages(files: readonly string[], images: ImageSetName, say: (line: string) => void): Promise<number> {
  const { imageBuilt } = await import('../stack/containers/container.ts');
  const done = new Set<string>();
  for (const file of files) {
    // Each mode may name another stack.
    for (const mode of await scenarioModes(file)) {
      const sc = await loadScenario(file, mode === 'default' ? {} : { mode });
      for (const c of stackPlan(sc.parts, sc.links, 'build', { dbPassword: () => '' }, { images }).containers) {
        if (c.kind !== 'service' || !('build' in c.run) || done.has(c.run.build.tag)) continue;
        done.add(c.run.build.tag);
        const t0 = Date.now();
        await imageBuilt(c.run.build);
        say(`built ${c.run.build.tag} (${file}: ${c.part}, ${c.run.build.file}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  }
  if (!done.size) say('no service of these scenarios declares a build');
  return 0;
}
