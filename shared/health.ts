import { z } from 'zod';
import { realtimeEndpointSchema } from './realtime.ts';

export const integrationStateSchema = z.enum(['configured', 'not_configured']);

/** `GET /health`: what the backend runs on and which integrations are set up (never any secret). */
export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), ok: z.boolean() }),
  integrations: z.object({
    googleCalendar: integrationStateSchema,
    googleSignIn: integrationStateSchema,
    twilio: integrationStateSchema,
    ably: integrationStateSchema,
    adminApi: integrationStateSchema,
    /** The SavvySolve app: inbound webhooks, lazy pull of missed sessions, outbound events. */
    savvysolveWebhooks: integrationStateSchema,
    savvysolveApi: integrationStateSchema,
    savvysolveEvents: integrationStateSchema,
  }),
  /**
   * How delegated Google tokens are signed, when Google is configured: `key` (GOOGLE_SERVICE_ACCOUNT_KEY) or
   * `keyless` (IAM Credentials signs for GOOGLE_SERVICE_ACCOUNT_EMAIL with the backend's own credentials).
   */
  google: z.enum(['key', 'keyless']).optional(),
  /** Present when Ably is configured with ABLY_REALTIME_URL: where the extension connects for live updates. Absent: Ably's own endpoint. */
  realtime: realtimeEndpointSchema.optional(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;
