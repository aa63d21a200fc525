// The sign-in service through @azure/identity 4.13.0, unmodified, over https (the run's development certificate,
// trusted through NODE_EXTRA_CA_CERTS as an app would): ClientSecretCredential, UsernamePasswordCredential and
// DeviceCodeCredential (the test plays the user on /devicelogin), each driving the Graph SDKs as an app does: the v3
// client with its TokenCredentialAuthenticationProvider, and the Kiota beta SDK with its Azure Identity
// authentication provider, creating and listing phones end to end. Then the errors, as identity surfaces them.
//
// Each credential needs only { authorityHost, disableInstanceDiscovery: true }; each SDK only its base URL and the
// service's host among those it sends tokens to.
import assert from 'node:assert/strict';
import { thrown } from './support/assertions.ts';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { ClientSecretCredential, DeviceCodeCredential, UsernamePasswordCredential, type TokenCredential } from '@azure/identity';
import graph from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { AzureIdentityAuthenticationProvider } from '@microsoft/kiota-authentication-azure';
import { GraphBetaRequestAdapter } from '@microsoft/msgraph-beta-sdk';
import { profilePhonesClient, type ProfilePhonesClient } from '../examples/kiota-navigation.ts';
import { headingOf, pageText, signInOnDevicePage, startSignInService, type SignInPages, type SignInService, seededUser, TEST_PASSWORD } from './support/signIn.ts';

const { Client, GraphError } = graph;

const CRM = '11111111-1111-4111-8111-111111111111'; // secret, roles, public client flows; each user consents once
const KIOSK = '22222222-2222-4222-8222-222222222222'; // a public client an administrator consented to (password grant)
const PASSWORD = TEST_PASSWORD;
const TENANT = 'contoso.onmicrosoft.com';
const APP_ONLY = ['https://graph.microsoft.com/.default'];
const DELEGATED = ['https://graph.microsoft.com/User.ReadWrite'];

const user = seededUser;

const seed = {
  tenants: [
    {
      name: 'contoso',
      apps: [
        { clientId: CRM, displayName: 'Contoso CRM', secret: 's3cret', publicClient: true, roles: ['User.Read.All'], scopes: ['User.ReadWrite'] },
        { clientId: KIOSK, displayName: 'Contoso Kiosk', publicClient: true, scopes: ['User.ReadWrite'], adminConsent: true },
      ],
      users: [
        user('target', 'Tara Target', { phones: [{ number: '+1 425 555 0100', type: 'mobile' }, { number: '+1 425 555 0101', type: 'home' }] }),
        user('ropc', 'Rita Password'),
        user('device', 'Dev Ice'),
      ],
    },
  ],
};

const numbers = (phones: readonly { number?: string | null }[] | null | undefined) => (phones ?? []).map((p) => p.number).sort();

describe('@azure/identity credentials against the sign-in service, driving the Graph SDKs', () => {
  let svc: SignInService;
  let host: string;
  let tenantId: string;
  const ids = new Map<string, string>(); // userPrincipalName -> object id

  before(async () => {
    svc = await startSignInService(seed);
    host = svc.authorityHost;
    tenantId = svc.seeded.tenants[0].id;
    for (const u of svc.seeded.tenants[0].users) ids.set(u.userPrincipalName, u.id);
  });
  after(() => svc?.stop());

  /** What every credential is given besides its own arguments. */
  const options = () => ({ authorityHost: host, disableInstanceDiscovery: true });

  /** The v3 client as an app sets it up with a credential: only the base URL and the custom host are this service's. */
  const v3Client = (credential: TokenCredential, scopes: string[], abortSignal?: AbortSignal) =>
    Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes, getTokenOptions: { abortSignal } }),
      baseUrl: host,
      defaultVersion: 'beta',
      customHosts: new Set(['127.0.0.1']),
    });

  /** Kiota's adapter with its Azure Identity authentication provider (tokens sent to 127.0.0.1 only). */
  const kiotaClient = (credential: TokenCredential, scopes: string[], abortSignal?: AbortSignal): ProfilePhonesClient => {
    const adapter = new GraphBetaRequestAdapter(new AzureIdentityAuthenticationProvider(credential, scopes, { abortSignal }, new Set(['127.0.0.1'])));
    adapter.baseUrl = `${host}/beta`;
    return profilePhonesClient(adapter);
  };

  /** Creates a phone through each SDK on /me, then lists them through each: both see both. */
  async function createAndListThroughBoth(credential: TokenCredential, upn: string, prefix: string, abortSignal?: AbortSignal) {
    const v3 = v3Client(credential, DELEGATED, abortSignal);
    const kiota = kiotaClient(credential, DELEGATED, abortSignal).me.profile.phones;
    const one = await v3.api('/me/profile/phones').post({ number: `${prefix}1`, type: 'mobile' });
    assert.equal(one.number, `${prefix}1`);
    assert.equal(one.createdBy.user.id, ids.get(upn));
    const two = (await kiota.post({ number: `${prefix}2`, type: 'home' }))!;
    assert.equal(two.number, `${prefix}2`);
    assert.equal(two.createdBy?.user?.id, ids.get(upn));
    const both = [`${prefix}1`, `${prefix}2`];
    assert.deepEqual(numbers((await v3.api('/me/profile/phones').get()).value), both);
    assert.deepEqual(numbers((await kiota.get())?.value), both);
  }

  test('ClientSecretCredential: an app-only token; both SDKs list a user\'s phones, and writing is refused as on Graph', async () => {
    const credential = new ClientSecretCredential(TENANT, CRM, 's3cret', options());
    const token = await credential.getToken(APP_ONLY);
    const claims = decodeJwt(token.token);
    assert.deepEqual(claims.roles, ['User.Read.All']);
    assert.equal(claims.tid, tenantId);
    assert.equal(claims.scp, undefined);
    assert.ok(token.expiresOnTimestamp > Date.now(), 'expiresOnTimestamp is ahead');

    const seeded = ['+1 425 555 0100', '+1 425 555 0101'];
    const v3 = v3Client(credential, APP_ONLY);
    assert.deepEqual(numbers((await v3.api('/users/target@contoso.com/profile/phones').get()).value), seeded);
    const kiota = kiotaClient(credential, APP_ONLY);
    assert.deepEqual(numbers((await kiota.users.byUserId('target@contoso.com').profile.phones.get())?.value), seeded);

    const err = await thrown(() => v3.api('/users/target@contoso.com/profile/phones').post({ number: '+1 425 555 0199' }));
    assert.ok(err instanceof GraphError, `expected a GraphError, got ${err?.name}`);
    assert.equal(err.statusCode, 403);
  });

  test('UsernamePasswordCredential: the v3 client and Kiota create and list the user\'s phones', async () => {
    const credential = new UsernamePasswordCredential(TENANT, KIOSK, 'ropc@contoso.com', PASSWORD, options());
    const claims = decodeJwt((await credential.getToken(DELEGATED)).token);
    assert.equal(claims.oid, ids.get('ropc@contoso.com'));
    assert.equal(claims.scp, 'User.ReadWrite');
    await createAndListThroughBoth(credential, 'ropc@contoso.com', '+1 206 555 010');
  });

  test('DeviceCodeCredential: the user enters the code, signs in and consents; the v3 client and Kiota create and list phones', async () => {
    const abort = new AbortController();
    const sessions: Promise<SignInPages>[] = [];
    const shown: { verificationUri: string; userCode: string; message: string }[] = [];
    const credential = new DeviceCodeCredential({
      tenantId: TENANT,
      clientId: CRM,
      ...options(),
      userPromptCallback: (info) => {
        shown.push(info);
        const session = signInOnDevicePage(info.verificationUri, info.userCode, 'device@contoso.com', PASSWORD);
        // Should the user fail, the credential stops polling (else it would poll until the code expires); awaited below.
        session.catch((err) => abort.abort(err));
        sessions.push(session);
      },
    });
    await createAndListThroughBoth(credential, 'device@contoso.com', '+1 206 555 020', abort.signal);
    const pages = await Promise.all(sessions);
    // Twice: the credential keeps one MSAL app (and cache) without CAE and one with, and the v3 provider asks without
    // while Kiota's asks with CAE on (its default), so each SDK's first request needs a sign-in of its own.
    assert.equal(pages.length, 2, 'one device sign-in for each SDK');
    for (const info of shown) {
      assert.equal(info.verificationUri, `${host}/devicelogin`);
      assert.ok(info.message.includes(info.userCode), info.message);
    }
    // The first sign-in asks for consent; the second does not (the user consented already).
    assert.match(pageText(pages[0]!.signIn), /to continue to Contoso CRM/);
    assert.ok(pages[0]!.consent, 'the consent page was shown');
    assert.equal(pages[1]!.consent, undefined);
    for (const { end } of pages) assert.equal(headingOf(end), 'You’re signed in');
  });

  describe('errors, as @azure/identity surfaces them', () => {
    test('wrong client secret: AADSTS7000215 in the error\'s message', async () => {
      const credential = new ClientSecretCredential(TENANT, CRM, 'not-the-secret', options());
      const err = await thrown(() => credential.getToken(APP_ONLY));
      assert.equal(err.name, 'AuthenticationRequiredError', `${err.name}: ${err.message}`);
      assert.match(err.message, /invalid_client/);
      assert.match(err.message, /AADSTS7000215:/);
    });

    test('wrong password: AADSTS50126 in the error\'s message', async () => {
      const credential = new UsernamePasswordCredential(TENANT, KIOSK, 'ropc@contoso.com', 'wrong', options());
      const err = await thrown(() => credential.getToken(DELEGATED));
      assert.equal(err.name, 'AuthenticationRequiredError', `${err.name}: ${err.message}`);
      assert.match(err.message, /invalid_grant/);
      assert.match(err.message, /AADSTS50126:/);
    });
  });
});
