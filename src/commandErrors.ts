// How a command (serve, token, migrate, export, import) fails: the errors whose message says it all, and
// the one place that turns any error into what the command line prints and the code it exits with.
// It imports nothing, so that every layer (the store too) can throw these without importing from above.

/** The exit codes of a command that fails (0 is success). */
export const EXIT = {
  /** Used rightly, but it could not run: e.g. the store cannot be opened (unreachable, refused, newer schema). */
  cannotRun: 1,
  /** Used wrongly: the command, a flag or setting, the input file. */
  usage: 2,
  /** An error nobody expected (a bug): its stack is printed. The same code as usage, as it has always been. */
  crashed: 2,
} as const;

/**
 * A failure whose message tells the person running the command all they need: it is printed alone, without
 * a stack, and the process exits with `exitCode`.
 */
export abstract class CommandError extends Error {
  abstract readonly exitCode: number;
}

/** The command was used wrongly: an unknown command, a bad flag or setting, an unusable input file. */
export class UsageError extends CommandError {
  readonly exitCode = EXIT.usage;
}

/** node:util's parseArgs refuses unknown flags, missing values and the like with codes of its own. */
const isParseArgsError = (err: unknown) => (err as { code?: string } | undefined)?.code?.startsWith('ERR_PARSE_ARGS') === true;

/** The exit code for a command that failed with `err`. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommandError) return err.exitCode;
  return isParseArgsError(err) ? EXIT.usage : EXIT.crashed;
}

/**
 * Reports a failed command on `stderr`, an expected failure by its message alone and anything else (a bug)
 * by its stack, and returns the exit code.
 */
export function reportCommandError(err: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  const expected = err instanceof CommandError || isParseArgsError(err);
  stderr.write(`${expected ? (err as Error).message : ((err as Error | undefined)?.stack ?? String(err))}\n`);
  return exitCodeOf(err);
}
