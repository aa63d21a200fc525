// The controls' part of the OpenAPI document (/beta/openapi.json), served only when the emulator is on: their paths
// under the tag `emulator`, and the schemas of their bodies. A seeded user's items are the served collections' own
// entity types, so the document says exactly what POST takes.
import type { OpenApiExtension } from '../graph/openapi/index.ts';
import { ERROR_NAME, ref, type Schema } from '../graph/openapi/schemas.ts';
import { MAX_UPN_LENGTH } from '../identity/devTokens.ts';
import type { ProfileCollection } from '../profile/collection.ts';
import { journalOpenApi } from './journalOpenApi.ts';
import { CONTROL_PREFIX, EMULATOR_TAG } from './paths.ts';
import { SEED_LIMITS } from './seed.ts';


const json = (schema: Schema) => ({ 'application/json': { schema } });
const uuid = { type: 'string', format: 'uuid' };
const permissions = {
  description: 'Space- or comma-separated, or a list.',
  oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
};

function schemas(collections: readonly ProfileCollection<any>[]): Record<string, Schema> {
  const itemsOf = (description: string) =>
    Object.fromEntries(collections.map((c) => [c.segment, { type: 'array', description, items: ref(c.entity.name) }]));
  const userPrincipalName = { type: 'string', minLength: 1, maxLength: MAX_UPN_LENGTH, pattern: '^\\S+$' };
  return {
    'emulator.SeedRequest': {
      type: 'object',
      required: ['tenants'],
      additionalProperties: false,
      properties: {
        tenants: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: SEED_LIMITS.tenantName, description: 'The tenant id is made from it, as for tokens.' },
              apps: { type: 'array', items: ref('emulator.SeedApp'), description: 'App registrations, for signing in (the sign-in endpoints, /{tenant}/oauth2/v2.0/...).' },
              users: { type: 'array', items: ref('emulator.SeedUser') },
            },
          },
        },
      },
    },
    'emulator.SeedUser': {
      type: 'object',
      required: ['userPrincipalName'],
      additionalProperties: false,
      properties: {
        userPrincipalName,
        displayName: { type: 'string', maxLength: SEED_LIMITS.displayName, description: 'Default: made from the userPrincipalName.' },
        admin: { type: 'boolean', description: "The default of `admin` for this user's tokens from /_emulator/tokens, and their role when they sign in. Default: false." },
        password: { type: 'string', minLength: 1, maxLength: SEED_LIMITS.password, description: 'Their password on the sign-in page and in the password grant. None: no password sign-in.' },
        ...itemsOf('Item bodies as POST takes them, created by the user themselves.'),
      },
    },
    'emulator.SeedApp': {
      type: 'object',
      required: ['clientId'],
      additionalProperties: false,
      description: 'An app registration (README, "Sign in as your app does").',
      properties: {
        clientId: { ...uuid, description: 'The application (client) id.' },
        displayName: { type: 'string', minLength: 1, maxLength: 256, description: 'Default: the client id.' },
        secret: { type: 'string', minLength: 1, description: 'A client secret (a confidential client). Default: none.' },
        redirectUris: { type: 'array', items: { type: 'string', format: 'uri' }, description: 'Web, mobile and desktop redirect URIs (https, or http on localhost and 127.0.0.1, any port).' },
        spaRedirectUris: { type: 'array', items: { type: 'string', format: 'uri' }, description: 'Single-page application redirect URIs: PKCE required, codes redeemed cross-origin.' },
        publicClient: { type: 'boolean', description: 'Allow public client flows (password and device code without a secret). Default: false.' },
        roles: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'Application permissions granted (app-only tokens). Default: none.' },
        scopes: {
          oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
          description: 'Delegated permissions the app may ask for; `.default` gives these. Default: any (and `.default` gives User.Read).',
        },
        adminConsent: { type: 'boolean', description: "An administrator consented to `scopes` for every user (no consent page). Default: false." },
        accessTokenLifetimeSeconds: { type: 'integer', minimum: 1, description: 'Default: 3600.' },
        refreshTokenLifetimeSeconds: { type: 'integer', minimum: 1, description: 'Default: 90 days (24 hours with spaRedirectUris).' },
      },
    },
    'emulator.SeedResponse': {
      type: 'object',
      required: ['tenants'],
      properties: {
        tenants: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'id', 'domain', 'apps', 'users'],
            properties: {
              name: { type: 'string' },
              id: uuid,
              domain: { type: 'string', description: '<name>.onmicrosoft.com: a sign-in authority may name the tenant by it or by its id.' },
              apps: {
                type: 'array',
                items: { type: 'object', required: ['clientId', 'displayName'], properties: { clientId: uuid, displayName: { type: 'string' } } },
              },
              users: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'userPrincipalName', 'displayName', 'admin', ...collections.map((c) => c.segment)],
                  properties: {
                    id: uuid,
                    userPrincipalName: { type: 'string' },
                    displayName: { type: 'string' },
                    admin: { type: 'boolean' },
                    ...itemsOf('The items created, as GET answers them.'),
                  },
                },
              },
            },
          },
        },
      },
    },
    'emulator.TokenRequest': {
      type: 'object',
      additionalProperties: false,
      description: 'The `token` command\'s settings: `user`, or `appOnly` with `client`.',
      properties: {
        user: { ...userPrincipalName, description: "The signed-in user's userPrincipalName (recorded in the directory)." },
        scopes: { ...permissions, description: 'Delegated permissions (scp). Default: User.ReadWrite.' },
        tenant: { type: 'string', minLength: 1, description: 'Tenant name. Default: contoso.' },
        admin: { type: 'boolean', description: 'The Global Administrator role (wids). Default: as seeded, else false.' },
        client: { type: 'string', description: "The calling app's name (appid, app_displayname); required with appOnly." },
        name: { type: 'string', description: "The user's display name. Default: the directory's, else made from the userPrincipalName." },
        appOnly: { type: 'boolean', description: 'An application token (no user).' },
        roles: { ...permissions, description: 'Application permissions (roles). Default: User.Read.All.' },
        expiresIn: { type: 'integer', minimum: 1, description: 'Lifetime in seconds. Default: 3600.' },
      },
    },
    'emulator.TokenResponse': {
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in'],
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer' },
      },
    },
    'emulator.ResetResponse': {
      type: 'object',
      required: ['removed'],
      properties: {
        removed: { type: 'object', description: 'Rows removed, by table: users, phones, ...', additionalProperties: { type: 'integer' } },
      },
    },
  };
}

const errors = { '4XX': { $ref: '#/components/responses/error' }, '5XX': { $ref: '#/components/responses/error' } };

function control(operationId: string, summary: string, description: string, answer: string, requestBody?: string): Schema {
  return {
    post: {
      tags: [EMULATOR_TAG],
      summary,
      description,
      operationId,
      security: [],
      ...(requestBody ? { requestBody: { required: true, content: json(ref(requestBody)) } } : {}),
      responses: {
        200: { description: 'Done.', content: json(ref(answer)) },
        ...(requestBody
          ? { 400: { description: 'A bad value; the message names its place. Nothing was written.', content: json(ref(ERROR_NAME)) } }
          : {}),
        ...errors,
      },
    },
  };
}

export function emulatorOpenApi(collections: readonly ProfileCollection<any>[]): OpenApiExtension {
  return {
    tags: [{ name: EMULATOR_TAG, description: 'Test-suite controls: reset, seed, tokens, the request journal and faults (development identity mode only, no token; not part of Microsoft Graph)' }],
    schemas: { ...schemas(collections), ...journalOpenApi.schemas },
    paths: {
      [`${CONTROL_PREFIX}/reset`]: control(
        'emulator.Reset',
        'Remove every user and item',
        'Tokens minted before stay valid: their users are recorded again on their next request. The seeded apps and passwords are forgotten, and every sign-in grant (codes, refresh tokens, sessions, consents) is revoked.',
        'emulator.ResetResponse',
      ),
      [`${CONTROL_PREFIX}/seed`]: control(
        'emulator.Seed',
        'Create tenants, their apps, users and their items',
        'All or nothing: every item is checked as POST checks it; one bad value refuses the whole seed. A user that exists gets the display name given and the items are added to theirs.',
        'emulator.SeedResponse',
        'emulator.SeedRequest',
      ),
      [`${CONTROL_PREFIX}/tokens`]: control(
        'emulator.CreateToken',
        'Mint a development access token',
        'The same tokens as the `token` command mints.',
        'emulator.TokenResponse',
        'emulator.TokenRequest',
      ),
      ...journalOpenApi.paths,
    },
  };
}
