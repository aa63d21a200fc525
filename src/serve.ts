// Runs the service: opens the store, loads the token key, listens, and shuts down cleanly
// (stop accepting, finish in-flight requests, close the store).
import pino from 'pino';
import { SkipTokens } from './graph/odata/skipToken.ts';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { verifierFromConfig } from './identity/fromConfig.ts';
import { ServiceMetrics } from './metrics/registry.ts';
import { openStore } from './store/open.ts';
import { tlsFromConfig } from './tls.ts';

export interface RunningService {
  readonly url: string;
  /** Where /metrics is served when it has a listener of its own (METRICS_PORT). */
  readonly metricsUrl: string | undefined;
  /** Stops accepting, lets in-flight requests finish, closes the store. */
  stop(): Promise<void>;
}

export async function startService(config: Config): Promise<RunningService> {
  const logger = pino({
    level: config.logLevel,
    base: { service: 'graph-profile-phones' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  // Read (or created) before the store opens: a bad certificate stops start-up without touching the database.
  const tls = await tlsFromConfig(config);
  // Made before the store opens: the store reports its group commits and failures to it.
  const metrics = config.metrics === 'on' ? new ServiceMetrics() : undefined;
  const store = await openStore(config, { onWaiting: (message) => logger.warn(message), ...metrics?.storeEvents });
  const verifier = await verifierFromConfig(config, logger);
  // The $skiptoken key lives in the database: a nextLink made by one instance works on every other, and after a restart.
  const app = buildApp({ config, store, verifier, logger, skipTokens: new SkipTokens(await store.sharedSecret('skiptoken')), tls, metrics });
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
    stop() {
      stopping ??= (async () => {
        app.setState('stopping');
        logger.info('stopping: finishing in-flight requests');
        // A keep-alive connection whose request was in flight when stopping began is idle once answered
        // (its client may never close it): close such connections as they become idle.
        const reaper = setInterval(() => app.http.server.closeIdleConnections(), 100);
        try {
          await app.http.close();
        } finally {
          clearInterval(reaper);
        }
        await store.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
