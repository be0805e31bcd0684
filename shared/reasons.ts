/** The canUseMeet reasons of docs/contract.md, word for word, in the order the rules are checked. */
export const MEET_REASONS = {
  notEmployed: 'Google Meet is only available for employed solvers',
  noGoogleEmail: 'Google Workspace email not configured',
  notConfigured: 'Google Meet integration not configured',
} as const;

export type MeetReason = (typeof MEET_REASONS)[keyof typeof MEET_REASONS];

/** Opened when Calendar cannot create a real room; never texted to the customer. */
export const FALLBACK_MEET_LINK = 'https://meet.google.com/new';
