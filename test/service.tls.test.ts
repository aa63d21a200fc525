// The optional HTTPS listener: the development certificate (created in DATA_DIR, trusted with `ca:` or
// NODE_EXTRA_CA_CERTS, reused, renewed near expiry), the operator's own certificate, and the settings' checks.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, test } from 'node:test';
import { generate } from 'selfsigned';
import { ConfigError, loadConfig } from '../src/config.ts';
import { DEV_CERT_FILE, DEV_TLS_KEY_FILE, loadOrCreateDevCertificate } from '../src/tls.ts';
import { startTestService } from './support/service.ts';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'phones-tls-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const certOf = (dataDir: string) => new X509Certificate(readFileSync(join(dataDir, DEV_CERT_FILE)));

/** The certificate the server at `url` presents, trusting `ca`. */
function servedCertificate(url: string, ca: string | string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, servername: hostname === '127.0.0.1' ? undefined : hostname }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

test('--tls true serves the API over https with a development certificate for localhost, 127.0.0.1 and ::1', async () => {
  const service = await startTestService(['--tls', 'true']);
  try {
    assert.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = certOf(service.dataDir);
    assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.equal(cert.ca, true, 'its own CA, so NODE_EXTRA_CA_CERTS can trust it');
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 300 * 24 * 3600 * 1000);
    assert.equal(statSync(join(service.dataDir, DEV_TLS_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(await servedCertificate(service.url, readFileSync(join(service.dataDir, DEV_CERT_FILE), 'utf8')), cert.fingerprint256);

    const token = await service.token(['--user', 'tls.user@contoso.com']);
    const created = await service.request('POST', '/beta/me/profile/phones', { token, body: { number: '+1 206 555 0100', type: 'mobile' } });
    assert.equal(created.status, 201, created.text);
    assert.match(created.headers.get('location')!, /^https:\/\/127\.0\.0\.1:\d+\/beta\//);
    assert.match(created.json['@odata.context'], /^https:\/\//);
    const got = await service.request('GET', `/beta/me/profile/phones/${created.json.id}`, { token });
    assert.equal(got.status, 200);
    assert.equal(got.json.number, '+1 206 555 0100');

    // Inside a $batch too (inner requests are replayed in-process, not over the TLS socket), links say https.
    const batch = await service.request('POST', '/beta/$batch', {
      token,
      body: {
        requests: [
          { id: '1', method: 'POST', url: '/me/profile/phones', headers: { 'content-type': 'application/json' }, body: { number: '+1 206 555 0101' } },
          { id: '2', method: 'GET', url: '/me/profile/phones?$top=1' },
        ],
      },
    });
    assert.equal(batch.status, 200, batch.text);
    const [inner1, inner2] = batch.json.responses;
    assert.equal(inner1.status, 201);
    assert.ok(inner1.headers.Location.startsWith(`${service.url}/beta/users/`), inner1.headers.Location);
    assert.match(inner1.body['@odata.context'], new RegExp(`^${service.url}/beta/\\$metadata#`));
    assert.equal(inner2.status, 200);
    assert.ok(inner2.body['@odata.nextLink'].startsWith(`${service.url}/beta/me/profile/phones?`), inner2.body['@odata.nextLink']);

    // Plain http to the TLS port gets no answer.
    const plain = service.url.replace('https:', 'http:');
    await assert.rejects(fetch(`${plain}/health`));

    // Another process trusts it with nothing but NODE_EXTRA_CA_CERTS and global fetch.
    const child = spawn(process.execPath, ['-e', `fetch(${JSON.stringify(`${service.url}/health`)}).then((r) => process.exit(r.status === 200 ? 0 : 1), (e) => { console.error(e.cause ?? e); process.exit(3); })`], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(service.dataDir, DEV_CERT_FILE) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    // ... and without it, the certificate is refused.
    const untrusted = spawnSync(process.execPath, ['-e', `fetch(${JSON.stringify(`${service.url}/health`)}).then(() => process.exit(0), () => process.exit(3))`], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
    });
    assert.equal(untrusted.status, 3);

    // Reused after a restart.
    const before = cert.fingerprint256;
    await service.restart();
    assert.equal(certOf(service.dataDir).fingerprint256, before);
    assert.equal((await service.request('GET', `/beta/me/profile/phones/${created.json.id}`, { token })).status, 200);

    // An expired pair is replaced at the next start.
    const expired = await generate([{ name: 'commonName', value: 'localhost' }], {
      keySize: 2048,
      algorithm: 'sha256',
      notBeforeDate: new Date(Date.now() - 30 * 24 * 3600 * 1000),
      notAfterDate: new Date(Date.now() - 24 * 3600 * 1000),
    });
    writeFileSync(join(service.dataDir, DEV_TLS_KEY_FILE), `${expired.private}\n${expired.cert}`, { mode: 0o600 });
    writeFileSync(join(service.dataDir, DEV_CERT_FILE), expired.cert);
    await service.restart();
    const renewed = certOf(service.dataDir);
    assert.notEqual(renewed.fingerprint256, new X509Certificate(expired.cert).fingerprint256);
    assert.notEqual(renewed.fingerprint256, before);
    assert.ok(new Date(renewed.validTo).getTime() > Date.now() + 300 * 24 * 3600 * 1000);
    assert.equal((await service.request('GET', '/health')).status, 200);
  } finally {
    await service.stop();
  }
});

test('two development certificates trusted together (two DATA_DIRs) are each found: their subjects differ', async () => {
  const a = await startTestService(['--tls', 'true']);
  const b = await startTestService(['--tls', 'true']);
  try {
    assert.notEqual(certOf(a.dataDir).subject, certOf(b.dataDir).subject);
    // A client given both, in either order, verifies both servers (OpenSSL looks a CA up by subject name).
    for (const cas of [[a.ca!, b.ca!], [b.ca!, a.ca!]]) {
      assert.equal(await servedCertificate(a.url, cas), certOf(a.dataDir).fingerprint256);
      assert.equal(await servedCertificate(b.url, cas), certOf(b.dataDir).fingerprint256);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('the development certificate is renewed within 7 days of expiry, kept before that, and logged with how to trust it', async () => {
  const dataDir = join(scratch, 'renew');
  const first = await loadOrCreateDevCertificate(dataDir);
  const fingerprint = certOf(dataDir).fingerprint256;
  const validTo = new Date(certOf(dataDir).validTo).getTime();
  // 8 days before the end: kept.
  const kept = await loadOrCreateDevCertificate(dataDir, new Date(validTo - 8 * 24 * 3600 * 1000));
  assert.equal(kept.cert, first.cert);
  assert.equal(certOf(dataDir).fingerprint256, fingerprint);
  // 6 days before the end: replaced.
  const soon = new Date(validTo - 6 * 24 * 3600 * 1000);
  const renewed = await loadOrCreateDevCertificate(dataDir, soon);
  assert.notEqual(renewed.cert, first.cert);
  assert.notEqual(certOf(dataDir).fingerprint256, fingerprint);
  assert.ok(new Date(certOf(dataDir).validTo).getTime() > soon.getTime() + 300 * 24 * 3600 * 1000);
  assert.equal(renewed.devCertPath, join(dataDir, DEV_CERT_FILE));

  // The service process logs the NODE_EXTRA_CA_CERTS line (absolute path) and an https URL.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--port', '0', '--tls', 'true', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const entry = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
          buffer = buffer.slice(nl + 1);
          lines.push(entry);
          if (entry.msg === 'listening') resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`service exited with ${code}`)));
    });
    assert.ok(lines.some((l) => typeof l.msg === 'string' && l.msg.includes(`NODE_EXTRA_CA_CERTS=${join(dataDir, DEV_CERT_FILE)}`)), JSON.stringify(lines));
    assert.match(lines.find((l) => l.msg === 'listening')!.url as string, /^https:\/\//);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
  }
});

test('TLS_CERT and TLS_KEY serve the operator certificate (TLS implied), and go together', async () => {
  const own = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const certPath = join(scratch, 'own-cert.pem');
  const keyPath = join(scratch, 'own-key.pem');
  writeFileSync(certPath, own.cert);
  writeFileSync(keyPath, own.private, { mode: 0o600 });

  const service = await startTestService(['--tls-cert', certPath, '--tls-key', keyPath], undefined, own.cert);
  try {
    assert.match(service.url, /^https:/);
    assert.equal(await servedCertificate(service.url, own.cert), new X509Certificate(own.cert).fingerprint256);
    assert.equal((await service.request('GET', '/health')).status, 200);
    assert.equal(existsSync(join(service.dataDir, DEV_CERT_FILE)), false, 'no development certificate is made');
  } finally {
    await service.stop();
  }

  assert.throws(() => loadConfig(['--tls-cert', certPath]), ConfigError);
  assert.throws(() => loadConfig(['--tls-key', keyPath, '--tls', 'true']), ConfigError);
  assert.throws(() => loadConfig(['--tls', 'yes']), ConfigError);
  assert.equal(loadConfig([]).tls, false);
  assert.equal(loadConfig([], { TLS_CERT: certPath, TLS_KEY: keyPath }).tls, true);
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--tls-cert', certPath], { cwd: root, encoding: 'utf8' });
  assert.equal(out.status, 2);
  assert.match(out.stderr, /TLS_CERT and TLS_KEY/);
  // A key that is not the certificate's is a setting error too (exit 2), before anything listens.
  const other = await generate([{ name: 'commonName', value: 'other' }], { keySize: 2048, algorithm: 'sha256' });
  writeFileSync(join(scratch, 'other-key.pem'), other.private);
  const mismatch = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', 'serve', '--port', '0', '--data-dir', join(scratch, 'mismatch'), '--tls-cert', certPath, '--tls-key', join(scratch, 'other-key.pem')],
    { cwd: root, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } },
  );
  assert.equal(mismatch.status, 2, mismatch.stderr);
  assert.match(mismatch.stderr, /not the key of the certificate/);
});
