// Lints the service's OpenAPI document with @redocly/cli and the repository's redocly.yaml (the `recommended`
// rules), and fails on any error or warning, including a warning about redocly.yaml itself.
//
//   npm run lint:openapi                          the document generated from the descriptors (no service needed)
//   npm run lint:openapi -- http://127.0.0.1:8080 the document a running service serves at /beta/openapi.json
//
// test/graph.openapi.test.ts runs lintOpenApi on the document a test service serves. The CLI runs from
// node_modules with this Node (no npx, no network: telemetry and the update check are off).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const REDOCLY_CONFIG = join(root, 'redocly.yaml');

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location?: { pointer?: string }[];
}

export interface LintResult {
  totals: { errors: number; warnings: number; ignored: number };
  problems: LintProblem[];
  /** What the CLI wrote to stderr: warnings about redocly.yaml land there, not in `problems`. */
  stderr: string;
}

/** The CLI's JS entry point, from its package.json `bin`. */
function redoclyCli(): string {
  const pkgPath = createRequire(import.meta.url).resolve('@redocly/cli/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(pkgPath), pkg.bin.redocly!);
}

/** Lints `doc` (an OpenAPI document as an object) with redocly.yaml; rejects only if the CLI itself fails. */
export async function lintOpenApi(doc: unknown, { timeoutMs = 60_000 } = {}): Promise<LintResult> {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const child = spawn(process.execPath, [redoclyCli(), 'lint', file, '--config', REDOCLY_CONFIG, '--format=json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    let report: { totals: LintResult['totals']; problems: LintProblem[] };
    try {
      report = JSON.parse(stdout);
    } catch {
      throw new Error(`redocly lint exited with ${code} without a JSON report:\n${stderr}${stdout}`);
    }
    return { totals: report.totals, problems: report.problems, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The problems as lines people can read: `warn rule-id at #/pointer: message`. */
export function formatProblems(problems: readonly LintProblem[]): string {
  return problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location?.[0]?.pointer ?? '#'}: ${p.message}`).join('\n');
}

/** redocly.yaml's own problems, as the CLI reports them on stderr ("Your config has N warnings."). */
export const configProblems = (stderr: string): boolean => /Your config has \d+/.test(stderr);

async function main(args: string[]): Promise<number> {
  let doc: unknown;
  let what: string;
  if (args[0]) {
    const url = /\.json($|\?)/.test(args[0]) ? args[0] : `${args[0].replace(/\/+$/, '')}/beta/openapi.json`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    doc = await res.json();
    what = url;
  } else {
    // What registerOpenApiRoutes serves, built from the same model and collections as src/app.ts gives it, with the
    // /_emulator controls that development identity mode (the default) adds.
    const { buildOpenApi } = await import('../src/graph/openapi/index.ts');
    const { profileEdmModel } = await import('../src/profile/edmModel.ts');
    const { PROFILE_COLLECTIONS } = await import('../src/profile/collections.ts');
    const { emulatorOpenApi } = await import('../src/emulator/openapi.ts');
    doc = buildOpenApi(profileEdmModel(PROFILE_COLLECTIONS), PROFILE_COLLECTIONS, { extensions: [emulatorOpenApi(PROFILE_COLLECTIONS)] });
    what = 'the generated OpenAPI document';
  }
  const { totals, problems, stderr } = await lintOpenApi(doc);
  const badConfig = configProblems(stderr);
  if (badConfig) process.stderr.write(`${stderr}\n`);
  if (problems.length) process.stderr.write(`${formatProblems(problems)}\n`);
  const ok = totals.errors === 0 && totals.warnings === 0 && totals.ignored === 0 && !badConfig;
  (ok ? process.stdout : process.stderr).write(
    `${what}: ${totals.errors} errors, ${totals.warnings} warnings, ${totals.ignored} ignored` +
      `${badConfig ? ', and redocly.yaml has problems' : ''} (redocly recommended rules, ${REDOCLY_CONFIG})\n`,
  );
  return ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
