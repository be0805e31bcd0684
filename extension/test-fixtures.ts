import type { SessionSummary, Solver } from '../shared/index.ts';

/** The employed solver the extension's unit tests sign in as. */
export const SOLVER: Solver = {
  id: '6f1d2c3b-4a59-4e68-8f7a-9b0c1d2e3f40',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  employment: 'employed',
  googleEmail: 'ada@example.com',
};

/** An active session without a Meet link yet, with what a test changes. */
export const aSession = (overrides: Partial<SessionSummary> = {}): SessionSummary => ({
  id: '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd',
  customerName: 'Grace Hopper',
  customerPhone: '+14155550123',
  status: 'active',
  meetLink: null,
  meetLinkSource: null,
  sms: null,
  meetSpace: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  ...overrides,
});
