// Keys in a path that no stored row can have: NUL (refused in bodies, and PostgreSQL cannot even compare
// it) finds nothing, on every store: 404 as for any unknown id or user, never 500.
import { after, before, test } from 'node:test';
import { assertGraphError } from './support/assertions.ts';
import { startTestService, type TestService } from './support/service.ts';

let svc: TestService;
let admin: string;
before(async () => {
  svc = await startTestService();
  admin = await svc.token(['--user', 'keys.admin@contoso.com', '--scopes', 'User.ReadWrite.All', '--admin']);
});
after(() => svc.stop());

test('a phone id with NUL: 404 itemNotFound on get, update and delete', async () => {
  for (const [method, body] of [['GET'], ['PATCH', { type: 'home' }], ['DELETE']] as const) {
    const res = await svc.request(method, '/beta/me/profile/phones/a%00b', { token: admin, body });
    assertGraphError(res, 404, 'itemNotFound', "The itemPhone with id 'a\u0000b' was not found in this profile.");
  }
});

test('a user id or userPrincipalName with NUL: 404 Request_ResourceNotFound', async () => {
  for (const who of ['a%00b@contoso.com', '00000000-0000-0000-0000-00000000000%00']) {
    const res = await svc.request('GET', `/beta/users/${who}/profile/phones`, { token: admin });
    assertGraphError(res, 404, 'Request_ResourceNotFound');
  }
});
