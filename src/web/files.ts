// Where the built page is: dist/web, made by scripts/build.mjs (Vite) and shipped in the package. The service runs
// from dist/ (the bundle) or from src/ (tsx, in tests), so the folder is found from the package's root.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: the nearest folder above this module with our package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'graph-profile-phones') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('graph-profile-phones: cannot find the package root (its package.json) above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The built page's folder: index.html, docs.html and assets/. */
export const WEB_DIR = join(packageRoot(), 'dist', 'web');

/** A built HTML page, read once; undefined when the page was not built (npm run build). */
export function builtPage(name: 'index.html' | 'docs.html'): Buffer | undefined {
  const path = join(WEB_DIR, name);
  return existsSync(path) ? readFileSync(path) : undefined;
}
