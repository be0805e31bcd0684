import { describe, expect, it } from 'vitest';
import { MEET_REASONS } from '../../shared/index.ts';
import { stubCalendar } from '../../test/support/stubs.ts';
import type { SolverRow } from '../solvers/solver-store.ts';
import { createMeetService, type MeetServiceDeps } from './service.ts';

// canUseMeet is pure: the solver record and whether Calendar is configured.
const solver = (overrides: Partial<SolverRow>): SolverRow => ({
  id: '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11',
  name: 'Ada',
  email: 'ada@example.com',
  employment: 'employed',
  googleEmail: 'ada@example.com',
  createdAt: new Date(),
  updatedAt: new Date(),
  hostUpdatedAt: null,
  disabled: false,
  tokenVersion: 0,
  googleAccountId: null,
  disabledBy: null,
  disabledAt: null,
  ...overrides,
});
const service = (calendar: MeetServiceDeps['calendar']) => createMeetService({ calendar } as MeetServiceDeps);

describe('canUseMeet (configuration detection and the rule order)', () => {
  it.each([
    ['employed, Google email, configured', solver({}), stubCalendar(), { canUse: true }],
    ['Meet not configured', solver({}), undefined, { canUse: false, reason: MEET_REASONS.notConfigured }],
    ['no Google email', solver({ googleEmail: null }), stubCalendar(), { canUse: false, reason: MEET_REASONS.noGoogleEmail }],
    [
      'contract, no email, not configured: employment is checked first',
      solver({ employment: 'contract', googleEmail: null }),
      undefined,
      { canUse: false, reason: MEET_REASONS.notEmployed },
    ],
    [
      'no email and not configured: the email is checked before configuration',
      solver({ googleEmail: null }),
      undefined,
      { canUse: false, reason: MEET_REASONS.noGoogleEmail },
    ],
  ])('%s', (_case, row, calendar, expected) => {
    expect(service(calendar).canUse(row)).toEqual(expected);
  });
});
