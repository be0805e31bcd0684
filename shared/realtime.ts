import { z } from 'zod';

/**
 * Channel-name templates: the session's (its chat, where the customer sees the system message) and the solver's
 * (live updates for their extension). Deployments set their own with ABLY_SESSION_CHANNEL / ABLY_SOLVER_CHANNEL.
 */
export type ChannelTemplates = { session: string; solver: string };
export const DEFAULT_CHANNEL_TEMPLATES: ChannelTemplates = { session: 'session:{sessionId}', solver: 'solver:{solverId}' };

/** The session's channel under `template` (default `session:{sessionId}`). */
export const sessionChannel = (sessionId: string, template = DEFAULT_CHANNEL_TEMPLATES.session) =>
  template.replaceAll('{sessionId}', sessionId);

/** The solver's channel under `template` (default `solver:{solverId}`). */
export const solverChannel = (solverId: string, template = DEFAULT_CHANNEL_TEMPLATES.solver) => template.replaceAll('{solverId}', solverId);

/**
 * The one channel a subscribe-only token request grants (its Ably `capability`, `{"<channel>":["subscribe"]}`):
 * the extension subscribes to what the backend granted, whatever the deployment's channel template.
 */
export function capabilityChannel(tokenRequest: { capability?: string }): string | undefined {
  try {
    const channels = Object.keys(JSON.parse(tokenRequest.capability ?? '{}') as Record<string, unknown>);
    return channels.length === 1 ? channels[0] : undefined;
  } catch {
    return undefined;
  }
}

export const REALTIME_EVENTS = {
  /** On `session:<id>`: a system message in the session's conversation. */
  systemMessage: 'system',
  /** On `solver:<id>`: something about one of the solver's sessions changed; refetch it. */
  sessionUpdated: 'session.updated',
} as const;

export type MeetSystemMessage = {
  type: 'meet_link';
  sessionId: string;
  meetLink: string;
  text: string;
};

export type SessionUpdated = {
  type: 'session_updated';
  sessionId: string;
};

/** The SMS text of docs/contract.md, exactly. */
export const meetSmsBody = (solverName: string, meetLink: string) =>
  `${solverName} has started a video call for your support session. Join here: ${meetLink}`;

/** The system message posted to the session channel. */
export const meetSystemMessageText = (solverName: string, meetLink: string) =>
  `${solverName} started a Google Meet video call. Join here: ${meetLink}`;

/**
 * Where the extension's Ably Realtime client connects when the backend moves it off Ably's own endpoint
 * (ABLY_REALTIME_URL: an emulator or a proxy): ably-js `endpoint` + `port` (`tlsPort` when `tls`). A host name
 * or IP here also turns Ably's fallback hosts off, so nothing else is contacted.
 */
export const realtimeEndpointSchema = z.object({
  endpoint: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean(),
});
export type RealtimeEndpoint = z.infer<typeof realtimeEndpointSchema>;

/** `ws://127.0.0.1:4012` → `{ endpoint: '127.0.0.1', port: 4012, tls: false }`. */
export function realtimeEndpointOf(url: string): RealtimeEndpoint {
  const parsed = new URL(url);
  const tls = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  return { endpoint: parsed.hostname, port: Number(parsed.port) || (tls ? 443 : 80), tls };
}

/** `GET /api/realtime/token`: an Ably token request, signed by the backend, that the extension hands to Ably. */
export const realtimeTokenRequestSchema = z.looseObject({
  keyName: z.string(),
  timestamp: z.number(),
  nonce: z.string(),
  mac: z.string(),
  capability: z.string().optional(),
  clientId: z.string().optional(),
  ttl: z.number().optional(),
});
export type RealtimeTokenRequest = z.infer<typeof realtimeTokenRequestSchema>;
