// Runs the service: opens the store, loads the token key, listens, and shuts down cleanly
// (health turns 503, drain, stop accepting, answer every request already received, close the store).
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { SkipTokens } from './graph/odata/skipToken.ts';
import { buildApp } from './app.ts';
import type { Emulator } from './emulator/index.ts';
import { trackConnections } from './drain.ts';
import { identityFromConfig } from './identity/fromConfig.ts';
import { ServiceMetrics } from './metrics/registry.ts';
import type { ProfileCollection } from './profile/collection.ts';
import { PROFILE_COLLECTIONS } from './profile/collections.ts';
import { openStore } from './store/open.ts';
import type { QueryListener } from './store/queryLog.ts';
import { tlsFromConfig } from './tls.ts';
import { ConfigError, type Config } from './config.ts';
import { GraphError } from './graph/errors.ts';

export interface RunningService {
  readonly url: string;
  /** Where /metrics is served when it has a listener of its own (METRICS_PORT). */
  readonly metricsUrl: string | undefined;
  /** Over https with a development certificate: the certificate (PEM) clients must trust. */
  readonly devCertificate: string | undefined;
  /** The test-suite controls (development identity mode only), for an in-process caller: /_emulator without HTTP. */
  readonly emulator?: Emulator;
  /**
   * /health turns 503 at once; with `drain`, requests go on being served for DRAIN_SECONDS; then the listener
   * closes, every request already received is answered (with Connection: close), idle connections are closed,
   * and the store is closed.
   */
  stop(options?: { drain?: boolean }): Promise<void>;
}

export interface ServiceParts {
  /** The profile collections to serve: PROFILE_COLLECTIONS unless a test declares others. */
  readonly collections?: readonly ProfileCollection<any>[];
  /** Told of every statement the store runs (a test reads their query plans); none: no hook at all. */
  readonly onQuery?: QueryListener;
}

export async function startService(config: Config, { collections = PROFILE_COLLECTIONS, onQuery }: ServiceParts = {}): Promise<RunningService> {
  // Written to stdout without waiting: lines that come while a write is under way go out together in the next one,
  // instead of one blocking write per request (about a tenth of a request's CPU, bench/RESULTS.md). Flushed at stop
  // and at exit; a process killed with SIGKILL may lose the last lines.
  const destination = pino.destination({ dest: 1, sync: false });
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'graph-profile-phones' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
  // Started first, awaited later: making an RSA key (in memory) runs on the thread pool while the rest starts.
  const identity = identityFromConfig(config, logger);
  identity.catch(() => undefined); // its failure is thrown where it is awaited, not reported as unhandled before
  // Read (or created) before the store opens: a bad certificate stops start-up without touching the database.
  const tls = await tlsFromConfig(config);
  // Made before the store opens: the store reports its group commits and failures to it.
  const metrics = config.metrics === 'on' ? new ServiceMetrics() : undefined;
  const store = await openStore(config, collections.map((c) => c.table), { onWaiting: (message) => logger.warn(message), onQuery, ...metrics?.storeEvents });
  const { verifier, devKey } = await identity.catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  // The $skiptoken key lives in the database: a nextLink made by one instance works on every other, and after a restart.
  const app = buildApp({ config, collections, store, verifier, devKey, logger, skipTokens: new SkipTokens(await store.sharedSecret('skiptoken')), tls, metrics });
  if (config.seed !== undefined) {
    try {
      await seedFromFile(config.seed, app.emulator!); // the emulator exists: SEED needs development identity (config.ts)
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  const connections = trackConnections(app.http.server, tls !== undefined);
  try {
    await app.http.listen({ host: config.host, port: config.port });
  } catch (err) {
    await store.close();
    throw err;
  }
  let metricsUrl: string | undefined;
  if (app.metricsHttp) {
    try {
      metricsUrl = await app.metricsHttp.listen({ host: config.host, port: config.metricsPort });
    } catch (err) {
      await app.http.close();
      await store.close();
      throw err;
    }
    logger.info({ url: metricsUrl }, 'serving /metrics on its own listener');
  }
  app.setState('ready');
  const address = app.http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (tls && !config.tlsCert && !tls.devCertPath) {
    logger.info('development TLS certificate for localhost, 127.0.0.1 and ::1, in memory only: give DATA_DIR to keep it in a file clients can trust');
  }
  if (tls?.devCertPath) {
    logger.info(
      { certificate: tls.devCertPath, trust: `NODE_EXTRA_CA_CERTS=${tls.devCertPath}` },
      `development TLS certificate for localhost, 127.0.0.1 and ::1: trust it with NODE_EXTRA_CA_CERTS=${tls.devCertPath}`,
    );
  }
  logger.info({ url, store: store.kind, location: store.location, identity: config.identity === 'entra' ? `entra (tenants ${config.entraTenants.join(', ')})` : 'development issuer' }, 'listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    metricsUrl,
    devCertificate: tls && !config.tlsCert ? tls.cert : undefined,
    emulator: app.emulator,
    stop({ drain = false } = {}) {
      stopping ??= (async () => {
        app.setState('stopping');
        if (drain && config.drainSeconds > 0) {
          logger.info({ drainSeconds: config.drainSeconds }, 'stopping: /health answers 503; still serving while the load balancer drains');
          await new Promise((r) => setTimeout(r, config.drainSeconds * 1000));
        }
        logger.info('stopping: no new connections; answering the requests already received');
        const closed = connections.closeListener();
        await app.http.close(); // its own close of the listener finds it closed already
        await closed;
        await store.close();
        logger.info('stopped');
        await new Promise<void>((resolve) => destination.flush(() => resolve()));
      })();
      return stopping;
    },
  };
}

/** SEED: the file's tenants, users and phones, created before the service listens; what is wrong stops the start-up. */
async function seedFromFile(path: string, emulator: Emulator): Promise<void> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`SEED: cannot read ${path} as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  try {
    await emulator.seed(data);
  } catch (err) {
    if (err instanceof GraphError) throw new ConfigError(`SEED: ${path}: ${err.message}`);
    throw err;
  }
}
