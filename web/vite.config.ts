// Builds the page (index.html) and the API page (docs.html) into dist/web: the HTML, and hashed JavaScript and CSS under
// assets/. scripts/build.mjs runs it (through Vite's JavaScript API); the service serves the result (src/web/).
//
// The service sends a strict Content-Security-Policy (script-src 'self'; style-src 'self'; no external hosts), so the
// output must have no inline script or style and nothing from another origin; assets are never inlined as data: URIs
// (font-src 'self'). test/web.build.test.ts checks the output.
import { defineConfig } from 'vite';

const root = import.meta.dirname; // web/

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  // Preact's JSX without @preact/preset-vite (which brings Babel): Vite 8 compiles TypeScript and JSX with Oxc. Vite
  // also reads web/tsconfig.json's jsx and jsxImportSource, which say the same; this does not depend on finding it.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: `${root}/../dist/web`,
    emptyOutDir: true, // outside root: Vite empties it only when told
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false }, // every browser that runs the page has modulepreload: no polyfill in the entry
    sourcemap: false,
    // The bundled libraries' licences, beside the page (shipped in the package, not served).
    license: { fileName: 'licenses.md' },
    reportCompressedSize: false,
    // Swagger UI alone is about 1.5 MB minified (only docs.html loads it).
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: { index: `${root}/index.html`, docs: `${root}/docs.html` },
      // Not a warning worth printing on every build of a busy machine ("JavaScript callbacks ran for 2.1s...").
      checks: { bundlerTimings: false },
    },
  },
});
