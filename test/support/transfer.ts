// Helpers for the export/import suites: the commands as an operator runs them, and a service's answers
// in a form two services can be compared by.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestService } from './service.ts';

const root = new URL('../..', import.meta.url).pathname;

/** `npm run -s <script> -- <args>` against the service's store (DATA_DIR, DATABASE_URL). */
export function npmRun(svc: TestService, script: string, args: string[] = []) {
  return spawnSync('npm', ['run', '-s', script, '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...svc.storeEnv },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
}

/** What `npm run -s export` prints for the service's store. */
export function exported(svc: TestService): string {
  const out = npmRun(svc, 'export');
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
}

/**
 * Every page of a user's list and each phone on it (with its ETag), as answered, with the service's own host taken
 * out, and the signature of each $skiptoken: each database signs with its own key (a copy makes its own).
 * The position a token carries must be the same.
 */
export async function answers(svc: TestService, token: string): Promise<string[]> {
  const comparable = (text: string) => text.replaceAll(svc.url, '<base>').replace(/(\$skiptoken=[\w-]+)\.[\w-]+/g, '$1.<signature>');
  const pages: string[] = [];
  let path: string | undefined = '/beta/me/profile/phones';
  while (path) {
    const res = await svc.request('GET', path, { token });
    assert.equal(res.status, 200, res.text);
    pages.push(comparable(res.text));
    for (const p of res.json.value) {
      const one = await svc.request('GET', `/beta/me/profile/phones/${encodeURIComponent(p.id)}`, { token });
      assert.equal(one.status, 200, one.text);
      pages.push(`ETag: ${one.headers.get('etag')}\n${comparable(one.text)}`);
    }
    path = res.json['@odata.nextLink']?.slice(svc.url.length);
  }
  return pages;
}
