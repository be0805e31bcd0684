import { z } from 'zod';

/** Ably channel carrying a session's chat, where the customer sees the system message. */
export const sessionChannel = (sessionId: string) => `session:${sessionId}`;

/** Ably channel a solver's extension subscribes to for live updates of their sessions. */
export const solverChannel = (solverId: string) => `solver:${solverId}`;

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

/** The spec's SMS text, exactly. */
export const meetSmsBody = (solverName: string, meetLink: string) =>
  `${solverName} has started a video call for your support session. Join here: ${meetLink}`;

/** The system message posted to the session channel. */
export const meetSystemMessageText = (solverName: string, meetLink: string) =>
  `${solverName} started a Google Meet video call. Join here: ${meetLink}`;

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
