import { type Command, Option } from 'commander';
import { printable } from '../../core/text.ts';
import { buildImages } from '../build.ts';
import { IMAGE_SETS, type ImageSetName } from '../../stack/index.ts';

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description(
      "build the images the scenarios' services declare (build: { context, dockerfile }), as a run on --stack containers would: before the first run",
    )
    .argument('<scenarios...>', 'scenario files')
    .addOption(new Option('--images <set>', 'the image set whose NODE_IMAGE the builds get').choices(Object.keys(IMAGE_SETS)).default('local'))
    .action(async (files: string[], opts: { images: ImageSetName }) => {
      process.exitCode = await buildImages(files, opts.images, (l) => process.stdout.write(`${printable(l)}\n`));
    });
}
