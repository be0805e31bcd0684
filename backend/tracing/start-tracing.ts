import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables (exporter, endpoint, protocol,
 * service name, sampler, batch delays). Import it dynamically, only when `tracingRequested`, and before the modules
 * whose HTTP calls it traces (twilio's axios) are loaded. Outbound HTTP spans come from Node's fetch (undici:
 * Google, the SavvySolve app) and `node:http` (Twilio, Ably); incoming requests get their span from the Hono
 * middleware (backend/app.ts), so the http instrumentation leaves them alone (ignoring them would suppress every
 * span under them).
 */
export function startTracing(serviceName = 'savvysolve-meet'): { shutdown(): Promise<void> } {
  const sdk = new NodeSDK({
    serviceName,
    instrumentations: [new UndiciInstrumentation(), new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
