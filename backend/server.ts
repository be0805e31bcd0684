import { createServer } from 'node:net';
import { ConfigError, loadConfig } from './env.ts';
import { createLogger } from './logger.ts';

// The only place that reads process.env and starts listening.
let log = createLogger();

try {
  const config = loadConfig(process.env);
  log = createLogger({ level: config.logLevel });
  if (config.google.oauthClientIds.length === 0)
    log.warn('GOOGLE_OAUTH_CLIENT_IDS is unset: sign-in is off, so no solver can use the extension with this backend');
  if (config.sessionSecrets.length === 0)
    log.warn('SESSION_SECRET is unset: using a random secret, so sign-ins end when this process stops');
  if (!config.adminApiToken) log.warn('ADMIN_API_TOKEN is unset: the admin API is disabled');
  if (!config.google.delegationMode)
    log.warn('GOOGLE_SERVICE_ACCOUNT_EMAIL (keyless) and GOOGLE_SERVICE_ACCOUNT_KEY are unset: Google Meet integration not configured');
  else log.info('Google domain-wide delegation', { google: config.google.delegationMode });
  if (!config.twilio) log.warn('Twilio is not configured: Meet links will not be texted to customers');
  if (!config.ably) log.warn('ABLY_API_KEY is unset: no realtime system messages');

  // Before the database opens: a second process on the same embedded database could damage it.
  await assertPortFree(config.port);
  // The OpenTelemetry SDK only when asked for, and before the backend's modules load (their HTTP clients get traced).
  const tracing = config.tracing ? (await import('./tracing/start-tracing.ts')).startTracing(process.env.OTEL_SERVICE_NAME) : undefined;
  const { startBackend } = await import('./start.ts');
  const backend = await startBackend(config, { log });
  log.info('SavvySolve Meet backend listening', {
    url: `http://localhost:${backend.port}`,
    database: config.database.kind === 'pglite' ? `PGlite (${config.database.dataDir})` : 'Postgres (DATABASE_URL)',
  });

  // SIGTERM (systemd, Cloud Run, a balancer draining us): finish what is in flight, then exit 0.
  const shutdown = async (signal: string) => {
    log.info('shutting down', { signal, graceSeconds: config.shutdownGraceSeconds });
    await backend.close(config.shutdownGraceSeconds * 1000);
    await tracing?.shutdown(); // exports the spans still buffered
    log.info('stopped', { signal });
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if ((error as { code?: string }).code === 'EADDRINUSE') {
    const port = process.env.PORT ?? '8787';
    process.stderr.write(
      `Port ${port} is already in use (another \`npm start\` or \`npm run demo\`?): stop it, or set PORT to a free port.\n`,
    );
    process.exit(1);
  }
  throw error;
}

/** Resolves when `port` can be listened on; rejects with the listen error (EADDRINUSE) otherwise. */
function assertPortFree(port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(port, '0.0.0.0', () => probe.close(() => resolve()));
  });
}
