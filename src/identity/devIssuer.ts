// The development token issuer: an RS256 key pair kept in DATA_DIR (or in memory), and Entra-shaped access tokens
// signed with it. Anyone who can read DATA_DIR can mint tokens, which is why it is for local use only.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, type webcrypto } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { v5 as uuidv5 } from 'uuid';
import { writeFileAtomic } from '../atomicFile.ts';

/** The issuer's key pair (a private JWK and its kid), in DATA_DIR. */
export const DEV_ISSUER_KEY_FILE = 'dev-issuer-key.json';
/** Graph's resource identifiers: either is an accepted audience. */
export const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'] as const;
/** Directory role template ids (the same in every Entra tenant). */
export const DIRECTORY_ROLES = {
  globalAdministrator: '62e90394-69f5-4237-9190-012177145e10',
  userAdministrator: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
  /** Every member user carries this one in wids. */
  defaultUser: 'b79fbf4d-3ef9-4689-8143-76b194e85509',
} as const;

// Fixed namespaces so the same tenant, user or app name always yields the same GUID.
const TENANT_NS = 'b4a7e1f2-3c5d-4e6f-8a9b-0c1d2e3f4a5b';
const USER_NS = 'c5b8f2a3-4d6e-4f70-9bac-1d2e3f4a5b6c';
const APP_NS = 'd6c9a3b4-5e7f-4081-8cbd-2e3f4a5b6c7d';

export const tenantIdFor = (name: string) => uuidv5(name.toLowerCase(), TENANT_NS);
export const userIdFor = (tenantId: string, upn: string) => uuidv5(`${tenantId}/${upn.toLowerCase()}`, USER_NS);
export const appIdFor = (name: string) => uuidv5(name, APP_NS);
/** Issuer of Graph access tokens (v1 format, as Entra issues them for Graph). */
export const issuerFor = (tenantId: string) => `https://sts.windows.net/${tenantId}/`;

/** "innocenty.popov@contoso.com" -> "Innocenty Popov". */
export function displayNameFromUpn(upn: string): string {
  const local = upn.split('@')[0] ?? upn;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ') || upn;
}

export interface DevKey {
  readonly kid: string;
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicKey: webcrypto.CryptoKey;
}

interface KeyFile {
  kid: string;
  privateJwk: JWK;
}

async function fromFile(file: KeyFile): Promise<DevKey> {
  const { d, p, q, dp, dq, qi, ...publicJwk } = file.privateJwk;
  return {
    kid: file.kid,
    privateKey: (await importJWK(file.privateJwk, 'RS256')) as webcrypto.CryptoKey,
    publicKey: (await importJWK(publicJwk, 'RS256')) as webcrypto.CryptoKey,
  };
}

async function newKeyFile(): Promise<KeyFile> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(privateJwk);
  return { kid, privateJwk: { ...privateJwk, kid, alg: 'RS256', use: 'sig' } };
}

let processKey: Promise<DevKey> | undefined;

/**
 * A key pair kept in memory only (IN_MEMORY without DATA_DIR), made once per process: an RSA key takes
 * 0.1-0.3 s to make, which would be most of an in-process test service's start-up, each time.
 */
export function inMemoryDevKey(): Promise<DevKey> {
  processKey ??= newKeyFile().then(fromFile);
  return processKey;
}

/** Reads the key pair from DATA_DIR, creating it on first use (safe when two processes race). */
export async function loadOrCreateDevKey(dataDir: string): Promise<DevKey> {
  const path = join(dataDir, DEV_ISSUER_KEY_FILE);
  try {
    return await fromFile(JSON.parse(await readFile(path, 'utf8')) as KeyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const file = await newKeyFile();
  // When instances start together one key wins, and the others read that one.
  if (await writeFileAtomic(path, JSON.stringify(file), { mode: 0o600, replace: false })) return fromFile(file);
  return fromFile(JSON.parse(await readFile(path, 'utf8')) as KeyFile);
}

export interface DelegatedTokenRequest {
  tenantId: string;
  userId: string;
  userPrincipalName: string;
  displayName: string;
  scopes: string[];
  directoryRoles: string[];
  app?: { id: string; displayName: string };
  lifetimeSeconds: number;
}

export interface AppTokenRequest {
  tenantId: string;
  app: { id: string; displayName: string };
  roles: string[];
  lifetimeSeconds: number;
}

/** Claims every token carries, as Entra writes them in v1 access tokens for Graph. */
function commonClaims(tenantId: string, lifetimeSeconds: number, app?: { id: string; displayName: string }) {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: GRAPH_AUDIENCES[0],
    iss: issuerFor(tenantId),
    iat: now,
    nbf: now,
    exp: now + lifetimeSeconds,
    tid: tenantId,
    // Entra's unique token identifier: two tokens minted in the same second for the same request still differ.
    uti: randomBytes(16).toString('base64url').slice(0, 22),
    ver: '1.0',
    ...(app ? { appid: app.id, azp: app.id, app_displayname: app.displayName } : {}),
  };
}

function sign(key: DevKey, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey);
}

export function mintDelegatedToken(key: DevKey, r: DelegatedTokenRequest): Promise<string> {
  return sign(key, {
    ...commonClaims(r.tenantId, r.lifetimeSeconds, r.app),
    idtyp: 'user',
    oid: r.userId,
    sub: r.userId,
    upn: r.userPrincipalName,
    preferred_username: r.userPrincipalName,
    unique_name: r.userPrincipalName,
    name: r.displayName,
    scp: r.scopes.join(' '),
    wids: [DIRECTORY_ROLES.defaultUser, ...r.directoryRoles],
  });
}

export function mintAppToken(key: DevKey, r: AppTokenRequest): Promise<string> {
  return sign(key, {
    ...commonClaims(r.tenantId, r.lifetimeSeconds, r.app),
    idtyp: 'app',
    oid: r.app.id,
    sub: r.app.id,
    roles: r.roles,
  });
}
