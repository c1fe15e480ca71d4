import { type Command, Option } from 'commander';
import { initProject, type InitOptions } from '../init.ts';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a chaos folder into this project (a scenario and load script for your service) and a chaos script in package.json; never overwrites')
    .addOption(new Option('--dir <folder>', 'the folder to write').default('chaos'))
    .addOption(
      new Option(
        '--command <command>',
        'the command that starts your service, split on spaces (default: npm start when package.json has a start script); ${PORT} is the port it should listen on',
      ),
    )
    .addOption(new Option('--health <path>', 'the path your service answers 200 on when ready').default('/health'))
    .addOption(new Option('--port <port>', 'a fixed port, for a service that cannot take $PORT'))
    .addOption(new Option('--database <kind>', 'a database the service depends on').choices(['none', 'mariadb']).default('none'))
    .addOption(new Option('--schema <file>', 'with --database mariadb: a SQL schema run at start'))
    .addOption(new Option('--compose <file>', "your docker-compose.yml: the scenario's stack is read from it (on --stack containers)"))
    .action((opts: InitOptions) => {
      process.exitCode = initProject(
        process.cwd(),
        opts,
        (l) => process.stdout.write(`${l}\n`),
        (l) => process.stderr.write(`${l}\n`),
      );
    });
}
