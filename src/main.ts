#!/usr/bin/env node
// The command line: serve (default), token, migrate, export, import. Parses and dispatches; no logic of its own.
// Each command's modules are imported when it runs, not all at start: `token` does not load the HTTP server, and
// `serve` does not load the command-line progress bars (start-up time is most of a token's cost).
import { reportCommandError, UsageError } from './commandErrors.ts';
import { settingsHelp } from './config.ts';
import { TOKEN_HELP } from './tokenHelp.ts';

const HELP = `graph-profile-phones: the Microsoft Graph beta profile phones API (itemPhone), self-hosted.

Usage (the installed package's command; from a clone, \`npm start -- <settings>\`, \`npm run -s token -- ...\`, ...):
  graph-profile-phones [serve] [<settings>]      serve /beta on HOST:PORT (default http://127.0.0.1:8080; https with --tls)
  graph-profile-phones token --user <upn> ...    print a development access token (token --help)
  graph-profile-phones migrate [<settings>]      apply database migrations and exit
  graph-profile-phones export [<settings>]       write every stored row to stdout as JSON lines
  graph-profile-phones import <file> [<settings>]  upsert the rows of an export (running it twice changes nothing)

A true/false setting's flag may stand alone: --tls is --tls true, --in-memory is --in-memory true.

Settings (flag, environment variable; a flag wins):
${settingsHelp()}
`;

type ShutdownEvent = import('close-with-grace').AllEvents;

/**
 * close-with-grace also listens for crashes, other signals and the end of the event loop; only SIGTERM and SIGINT
 * mean "stop" here (a crash keeps crashing loudly; SIGSEGV and its kind cannot run JavaScript safely).
 */
const NOT_SHUTDOWN_EVENTS: ShutdownEvent[] = [
  'SIGHUP', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2',
  'uncaughtException', 'unhandledRejection', 'beforeExit',
];

async function main(argv: string[]): Promise<number> {
  // Settings alone (`graph-profile-phones --port 8080`) mean serve.
  const [command, ...rest] = argv[0] === undefined || (argv[0].startsWith('-') && argv[0] !== '--help' && argv[0] !== '-h') ? ['serve', ...argv] : argv;
  if (rest.includes('--help') || rest.includes('-h') || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(command === 'token' ? `${TOKEN_HELP}\n` : HELP);
    return 0;
  }
  switch (command) {
    case 'serve': {
      const started = (await import('./memory.ts')).memoryWhileServing();
      const [{ loadConfig }, { startService }, { default: closeWithGrace }] = await Promise.all([
        import('./config.ts'),
        import('./serve.ts'),
        import('close-with-grace'),
      ]);
      const config = loadConfig(rest);
      const service = await startService(config);
      started();
      // SIGTERM is what an orchestrator sends: drain first. SIGINT is a person at a terminal: stop at once.
      // A second signal, or the timeout, exits 1 whatever is unfinished.
      closeWithGrace(
        { delay: config.shutdownTimeoutSeconds * 1000, skip: NOT_SHUTDOWN_EVENTS },
        ({ signal }) => service.stop({ drain: signal === 'SIGTERM' }),
      );
      return -1; // keep running
    }
    case 'token': {
      const { tokenCommand } = await import('./tokenCommand.ts');
      process.stdout.write(`${await tokenCommand(rest)}\n`);
      return 0;
    }
    case 'migrate': {
      const [{ loadConfig }, { PROFILE_TABLES }, { openStore }] = await Promise.all([
        import('./config.ts'),
        import('./profile/collections.ts'),
        import('./store/open.ts'),
      ]);
      const store = await openStore(loadConfig(rest), PROFILE_TABLES, { onWaiting: (message) => process.stderr.write(`${message}\n`) });
      process.stderr.write(`migrated: ${store.kind} at ${store.location}\n`);
      await store.close();
      return 0;
    }
    case 'export':
      await (await import('./transferCommand.ts')).exportCommand(rest);
      return 0;
    case 'import':
      await (await import('./transferCommand.ts')).importCommand(rest);
      return 0;
    default:
      throw new UsageError(`Unknown command '${command}'.\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportCommandError(err); // the message or the stack on stderr; exit 1 or 2 (commandErrors.ts)
  },
);
