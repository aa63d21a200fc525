// The HTTPS listener's certificate and key: the operator's files (TLS_CERT, TLS_KEY), or a development
// certificate for localhost, 127.0.0.1 and ::1 that the service creates in DATA_DIR with `selfsigned`
// (no crypto of our own) and keeps until it is within a week of expiry.
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicFile.ts';
import { ConfigError, type Config } from './config.ts';

/** The development certificate, the file clients trust, in DATA_DIR. */
export const DEV_CERT_FILE = 'dev-tls-cert.pem';
/** Its key followed by the certificate, in DATA_DIR (mode 0600). */
export const DEV_TLS_KEY_FILE = 'dev-tls-key.pem';
/** A development certificate this close to its end is replaced at start-up. */
export const DEV_CERT_RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
const DEV_CERT_DAYS = 365;

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** Set for a development certificate: the file to trust (NODE_EXTRA_CA_CERTS). */
  readonly devCertPath?: string;
}

/** The listener's TLS material, or undefined when the service serves plain HTTP. */
export async function tlsFromConfig(config: Config): Promise<TlsMaterial | undefined> {
  if (!config.tls) return undefined;
  if (config.tlsCert === undefined || config.tlsKey === undefined) {
    return config.keyDir !== undefined ? loadOrCreateDevCertificate(config.keyDir) : newDevCertificate();
  }
  const read = async (path: string, setting: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`${setting}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
  };
  const cert = await read(config.tlsCert, 'TLS_CERT');
  const key = await read(config.tlsKey, 'TLS_KEY');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`TLS_CERT: ${config.tlsCert} is not a PEM certificate.`);
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new ConfigError(`TLS_KEY: ${config.tlsKey} is not an unencrypted PEM private key.`);
  }
  if (!matches) throw new ConfigError(`TLS_KEY: ${config.tlsKey} is not the key of the certificate in ${config.tlsCert}.`);
  return { cert, key };
}

/**
 * The development certificate in `dataDir`, created on first use and replaced when expired or within
 * DEV_CERT_RENEW_BEFORE_MS of expiry. The key file holds the key followed by its certificate, so the pair is
 * written in one step (aside, then linked or renamed into place) and instances starting together never pair a
 * key with another instance's certificate; the certificate file (what clients trust) is written from it.
 */
export async function loadOrCreateDevCertificate(dataDir: string, now = new Date()): Promise<TlsMaterial> {
  const keyPath = join(dataDir, DEV_TLS_KEY_FILE);
  const certPath = join(dataDir, DEV_CERT_FILE);
  const existing = await readPair(keyPath, now);
  if (existing === 'usable') {
    return finish(await readPair(keyPath, now, true), certPath);
  }
  await mkdir(dataDir, { recursive: true });
  const pems = await generateDevCertificate(now);
  // A missing pair: when instances start together, one certificate wins. A stale one is replaced in one step.
  await writeFileAtomic(keyPath, `${pems.private.trim()}\n${pems.cert.trim()}\n`, { mode: 0o600, replace: existing === 'stale' });
  // Whatever is in place now (ours, or the one another instance put there first) is the pair.
  return finish(await readPair(keyPath, now, true), certPath);
}

/** A development certificate kept in memory only (IN_MEMORY without DATA_DIR): clients trust TlsMaterial.cert. */
export async function newDevCertificate(now = new Date()): Promise<TlsMaterial> {
  const pems = await generateDevCertificate(now);
  return { cert: `${pems.cert.trim()}\n`, key: `${pems.private.trim()}\n` };
}

/** selfsigned is loaded only to make a certificate: loading it costs about 0.1 s of every start-up otherwise. */
async function generateDevCertificate(now: Date) {
  const { generate } = await import('selfsigned');
  // A subject of its own (OU: a random id): a client trusting two of these certificates (two DATA_DIRs, or an
  // old one next to its replacement) finds a CA by subject name, and would try only one of two alike names.
  const subject = [
    { name: 'commonName', value: 'localhost' },
    { name: 'organizationName', value: 'graph-profile-phones development' },
    { shortName: 'OU', value: `certificate ${randomUUID()}` },
  ];
  return generate(subject, {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + DEV_CERT_DAYS * 24 * 3600 * 1000),
    extensions: [
      // Self-signed and its own CA, so NODE_EXTRA_CA_CERTS (or `ca:`) can trust it directly.
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
}

type PairState = 'missing' | 'stale' | 'usable';

async function readPair(keyPath: string, now: Date): Promise<PairState>;
async function readPair(keyPath: string, now: Date, load: true): Promise<{ cert: string; key: string }>;
async function readPair(keyPath: string, now: Date, load = false): Promise<PairState | { cert: string; key: string }> {
  let text: string;
  try {
    text = await readFile(keyPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (load) throw new Error(`${keyPath} disappeared while the development certificate was being created.`);
    return 'missing';
  }
  const key = pemBlocks(text).find((b) => /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(b));
  const cert = pemBlocks(text).find((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
  try {
    if (key === undefined || cert === undefined) throw new Error('incomplete');
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('mismatch');
    if (new Date(x509.validTo).getTime() - now.getTime() < DEV_CERT_RENEW_BEFORE_MS || new Date(x509.validFrom) > now) throw new Error('stale');
  } catch (err) {
    if (load) throw new Error(`${keyPath} does not hold a usable development certificate (${(err as Error).message}).`);
    return 'stale';
  }
  return load ? { cert: `${cert}\n`, key: `${key}\n` } : 'usable';
}

/** Makes sure the certificate file (what clients trust) holds the certificate being served. */
async function finish(pair: { cert: string; key: string }, certPath: string): Promise<TlsMaterial> {
  const current = await readFile(certPath, 'utf8').catch(() => undefined);
  if (current !== pair.cert) {
    await writeFileAtomic(certPath, pair.cert, { mode: 0o644, replace: true });
  }
  return { ...pair, devCertPath: certPath };
}

function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g) ?? [];
}
