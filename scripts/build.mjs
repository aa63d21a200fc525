// Builds dist/ from src/: what the package's command (dist/main.js) and test helper run, with no TypeScript
// compiler at run time; and dist/web/ from web/: the page and the API page the service serves (src/web/), built by
// Vite (web/vite.config.ts). Plain JavaScript, so that it needs nothing but esbuild and Vite to run.
//
// Why a bundle and not tsc's one-file-per-module output: start-up time is mostly module loading, and Kysely alone is
// 280 ES modules (about 170 ms to load here), fastify and its plugins about 100 CommonJS files. esbuild joins our
// modules and those libraries into a few files, split at each dynamic import so that a command loads only what it
// runs (measured: serve to /health 200 about 0.1 s sooner than with fastify left out). The other dependencies are
// loaded from node_modules as usual: native ones (better-sqlite3), those with optional native parts (pg), and
// those that find files of their own at run time (pino's workers, selfsigned's).
//
// Each part is built only when anything it is built from is newer than its last build: the check alone is quick.
//
//   node scripts/build.mjs           build what is older than its sources (quiet)
//   node scripts/build.mjs --types   also write the declaration files (dist/types) the package ships
//   node scripts/build.mjs --pack    before `npm pack` (prepack): --types, and npm-shrinkwrap.json (see below)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
const web = join(dist, 'web');
const webStamp = join(dist, '.web-built'); // beside dist/web, which Vite empties
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Bundled into dist: libraries of many small modules, loaded on every start. */
const BUNDLED = ['kysely', 'jose', 'uuid', 'fastify', '@fastify/cors', '@fastify/rate-limit', '@fastify/cookie', 'prom-client'];
/** The package's entry points: the command, and the test helper (also as CommonJS, for Jest without ESM support). */
const ENTRIES = { main: 'src/main.ts', testing: 'src/emulator/testing.ts' };
const COMMONJS_ENTRIES = { testing: 'src/emulator/testing.ts' };

const forPack = process.argv.includes('--pack');
const withTypes = forPack || process.argv.includes('--types');

/** The newest modification time among `files` and everything under `folder` (a folder's own time counts: it changes
 * when a file in it is added or removed). */
function newest(files, folder) {
  const all = [...files, folder, ...readdirSync(join(root, folder), { recursive: true }).map((f) => join(folder, String(f)))];
  return Math.max(...all.map((f) => statSync(join(root, f)).mtimeMs));
}
/** The newest modification time among what the server's build reads. */
const newestInput = () => newest(['package.json', 'scripts/build.mjs', 'tsconfig.json', 'tsconfig.build.json'], 'src');
/** The same for the web build. */
const newestWebInput = () => newest(['package.json', 'scripts/build.mjs'], 'web');

/** A stamp holds the newest input time the last build saw: a file saved during or after that build is newer. */
const upToDate = (file, newestTime) => existsSync(file) && Number(readFileSync(file, 'utf8')) >= newestTime;
const jsUpToDate = upToDate(stamp, newestInput());
const typesMissing = withTypes && (!jsUpToDate || !existsSync(join(dist, 'types')));

if (!jsUpToDate || typesMissing) {
  const started = newestInput();
  // Only the declaration files missing (dist/ built without --types, as test/run.mjs builds it): they are added beside
  // the JavaScript, which stays in place for whatever runs it meanwhile (`npm pack` in test/package.test.ts runs this
  // while the suite's other files run dist/).
  if (!jsUpToDate) {
    const { build } = await import('esbuild'); // only when there is something to build: the check alone stays fast
    // Everything but the web build, which has its own stamp (below).
    for (const entry of existsSync(dist) ? readdirSync(dist) : []) {
      if (entry !== 'web' && entry !== '.web-built') rmSync(join(dist, entry), { recursive: true, force: true });
    }
    const external = Object.keys(pkg.dependencies ?? {}).filter((d) => !BUNDLED.includes(d));
    // Whitespace and comments dropped: Node keeps every module's source text in memory, and comments with characters
    // outside Latin-1 make V8 keep the whole text at two bytes a character (the service's chunk took 3.8 MB of an idle
    // process's heap). Names stay; the source maps map a stack trace back (node --enable-source-maps).
    const common = {
      bundle: true,
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      minifyWhitespace: true,
      external,
      logLevel: 'warning',
      legalComments: 'linked',
    };
    // Bundled CommonJS code (fastify and its kind) calls require() for Node's own modules: ES modules have none.
    const esmRequire = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
    await build({ ...common, entryPoints: ENTRIES, outdir: dist, format: 'esm', splitting: true, chunkNames: 'chunks/[name]-[hash]', banner: { js: esmRequire } });
    for (const [name, entry] of Object.entries(COMMONJS_ENTRIES)) {
      // import() of a package becomes require(): Jest runs CommonJS in a VM where import() fails without a Node flag.
      // import.meta.url (src/web/files.ts finds the built page from it) becomes the CommonJS file's own URL.
      await build({
        ...common,
        entryPoints: [entry],
        outfile: join(dist, `${name}.cjs`),
        format: 'cjs',
        supported: { 'dynamic-import': false },
        define: { 'import.meta.url': '__importMetaUrl' },
        banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      });
    }
  }
  if (typesMissing) {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  }
  writeFileSync(stamp, String(started));
}

// The page and the API page: web/ into dist/web (index.html, docs.html, assets/<name>-<hash>.js|css). From
// node_modules only, no network.
if (!upToDate(webStamp, newestWebInput()) || !existsSync(join(web, 'index.html'))) {
  const started = newestWebInput();
  rmSync(webStamp, { force: true }); // a build that fails leaves no stamp: the next run tries again
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web/vite.config.ts'), logLevel: 'warn' });
  writeFileSync(webStamp, String(started));
}

if (forPack) {
  // The package carries the dependency versions this project tested (package-lock.json) as npm-shrinkwrap.json, which
  // npm honours for an installed package (package-lock.json it ignores); its development entries are not installed.
  // It also carries the effect of package.json's "overrides", which apply only to the project that declares them:
  // without it, an installer would get light-my-request's newer cookie, which needs Node 22. Whole, because the
  // overrides name a development dependency ($@azure/core-auth). Removed again by postpack.
  copyFileSync(join(root, 'package-lock.json'), join(root, 'npm-shrinkwrap.json'));
}
