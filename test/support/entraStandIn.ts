// A stand-in for Microsoft Entra ID's endpoints on loopback: OpenID Connect discovery and a JWKS per
// tenant, with signing keys the test controls (rotate, take down), and a minter of Entra-shaped tokens.
import { createServer, type Server } from 'node:http';
import type { webcrypto } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

interface SigningKey {
  kid: string;
  privateKey: webcrypto.CryptoKey;
  publicJwk: JWK;
}

export interface EntraStandIn {
  readonly authority: string;
  /** How many times each path was fetched. */
  readonly fetches: Map<string, number>;
  /** While true, every endpoint answers 503. */
  down: boolean;
  /** Adds a new signing key to the JWKS and returns its kid. */
  addKey(): Promise<string>;
  removeKey(kid: string): void;
  publicJwk(kid: string): JWK;
  /** A token signed with `kid` (default: the first key). */
  mint(claims: JWTPayload, options?: { kid?: string; header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

export async function startEntraStandIn(): Promise<EntraStandIn> {
  const keys: SigningKey[] = [];
  const fetches = new Map<string, number>();
  let base = '';
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
    const jwks = /^\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(path);
    res.setHeader('content-type', 'application/json');
    if (discovery) {
      const t = discovery[1];
      res.end(JSON.stringify({ issuer: `${base}/${t === 'common' ? '{tenantid}' : t}/v2.0`, jwks_uri: `${base}/${t}/discovery/v2.0/keys` }));
    } else if (jwks) {
      res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
    } else {
      res.writeHead(404).end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const standIn: EntraStandIn = {
    authority: base,
    fetches,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    async addKey() {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      const kid = `kid-${keys.length + 1}-${Math.random().toString(36).slice(2, 8)}`;
      keys.push({ kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', kty: 'RSA' } });
      return kid;
    },
    removeKey(kid) {
      const i = keys.findIndex((k) => k.kid === kid);
      if (i >= 0) keys.splice(i, 1);
    },
    publicJwk(kid) {
      return keys.find((k) => k.kid === kid)!.publicJwk;
    },
    async mint(claims, options = {}) {
      const key = options.kid ? keys.find((k) => k.kid === options.kid) : keys[0];
      if (!key) throw new Error('no such key');
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...options.header } as { alg: string })
        .sign(key.privateKey);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  await standIn.addKey();
  return standIn;
}
