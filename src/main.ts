#!/usr/bin/env node
// The command line: serve (default), token, migrate, export, import. Parses and dispatches; no logic of its own.
import closeWithGrace from 'close-with-grace';
import { reportCommandError, UsageError } from './commandErrors.ts';
import { loadConfig, settingsHelp } from './config.ts';
import { startService } from './serve.ts';
import { PROFILE_TABLES } from './profile/collections.ts';
import { openStore } from './store/open.ts';
import { TOKEN_HELP, tokenCommand } from './tokenCommand.ts';
import { exportCommand, importCommand } from './transferCommand.ts';

const HELP = `graph-profile-phones: the Microsoft Graph beta profile phones API (itemPhone), self-hosted.

Usage:
  npm start [-- <settings>]              serve /beta on HOST:PORT (default http://127.0.0.1:8080; https with --tls true)
  npm run -s token -- --user <upn> ...   print a development access token (npm run -s token -- --help)
  npm run migrate [-- <settings>]        apply database migrations and exit
  npm run -s export [-- <settings>]      write every stored row to stdout as JSON lines
  npm run -s import -- <file> [<settings>]  upsert the rows of an export (running it twice changes nothing)

Settings (flag, environment variable; a flag wins):
${settingsHelp()}
`;

/**
 * close-with-grace also listens for crashes, other signals and the end of the event loop; only SIGTERM and SIGINT
 * mean "stop" here (a crash keeps crashing loudly; SIGSEGV and its kind cannot run JavaScript safely).
 */
const NOT_SHUTDOWN_EVENTS: closeWithGrace.AllEvents[] = [
  'SIGHUP', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGUSR2',
  'uncaughtException', 'unhandledRejection', 'beforeExit',
];

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h') || command === '--help' || command === 'help') {
    process.stdout.write(command === 'token' ? `${TOKEN_HELP}\n` : HELP);
    return 0;
  }
  switch (command) {
    case 'serve': {
      const config = loadConfig(rest);
      const service = await startService(config);
      // SIGTERM is what an orchestrator sends: drain first. SIGINT is a person at a terminal: stop at once.
      // A second signal, or the timeout, exits 1 whatever is unfinished.
      closeWithGrace(
        { delay: config.shutdownTimeoutSeconds * 1000, skip: NOT_SHUTDOWN_EVENTS },
        ({ signal }) => service.stop({ drain: signal === 'SIGTERM' }),
      );
      return -1; // keep running
    }
    case 'token':
      process.stdout.write(`${await tokenCommand(rest)}\n`);
      return 0;
    case 'migrate': {
      const store = await openStore(loadConfig(rest), PROFILE_TABLES, { onWaiting: (message) => process.stderr.write(`${message}\n`) });
      process.stderr.write(`migrated: ${store.kind} at ${store.location}\n`);
      await store.close();
      return 0;
    }
    case 'export':
      await exportCommand(rest);
      return 0;
    case 'import':
      await importCommand(rest);
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
