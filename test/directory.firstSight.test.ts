// Users are added to the directory on first sight (identity/directory.ts). Many new users whose first requests
// arrive at once, several requests each, all succeed, and each user is in the directory once, on either store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestService, type TestService } from './support/service.ts';
import { unseenUserToken } from './support/tokens.ts';

let svc: TestService;
before(async () => {
  svc = await startTestService();
});
after(() => svc?.stop());

test('20 new users, each sending three first requests at once: no 5xx, each found once by UPN', { timeout: 120_000 }, async () => {
  for (let round = 0; round < 5; round++) {
    const upns = Array.from({ length: 20 }, (_, i) => `seen.${round}.${i}@contoso.com`);
    const tokens = await Promise.all(upns.map((upn) => unseenUserToken(svc.dataDir, upn)));
    const answers = await Promise.all(
      tokens.flatMap((token, i) => [
        svc.request('POST', '/beta/me/profile/phones', { token, body: { number: `+1 555 ${i}` } }),
        svc.request('POST', '/beta/me/profile/phones', { token, body: { number: `+1 556 ${i}` } }),
        svc.request('GET', '/beta/me/profile/phones', { token }),
      ]),
    );
    for (const r of answers) assert.ok(r.status === 200 || r.status === 201, `round ${round}: ${r.status} ${r.text}`);
    // Each user resolves by UPN for another user of the tenant (the directory holds them once, under their UPN).
    const reader = await svc.token(['--user', `reader.${round}@contoso.com`, '--scopes', 'User.Read.All']);
    for (const upn of upns) {
      const listed = await svc.request('GET', `/beta/users/${upn}/profile/phones?$count=true`, { token: reader });
      assert.equal(listed.status, 200, listed.text);
      assert.equal(listed.json['@odata.count'], 2, upn);
    }
  }
});
