/**
 * Every Google OAuth scope the backend asks for, defined once (docs/admin-guide.md, "Google Cloud and Workspace",
 * says why each is needed). Calendar and Meet are asked for in separate tokens: Google refuses a whole token
 * exchange when one requested scope is not granted, so a delegation still missing the Meet scopes never breaks
 * Calendar.
 */

/** Create, read and end events (with their Meet conference) on the solver's calendar. */
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';

/** The Meet scopes, each with why it is asked for. */
export const MEET_SCOPES = {
  /** Change the access type of meetings the solver's calendar created (and retire them at the end). */
  settings: 'https://www.googleapis.com/auth/meetings.space.settings',
  /** Read the space, its conference records and participants (attendance). */
  readonly: 'https://www.googleapis.com/auth/meetings.space.readonly',
} as const;

/** The scope sets of the two delegated tokens. */
export const CALENDAR_SCOPES = [CALENDAR_SCOPE];
export const MEET_SPACE_SCOPES = [MEET_SCOPES.settings, MEET_SCOPES.readonly];

/** What the backend's own identity (Application Default Credentials) asks for to call IAM Credentials `signJwt`. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
