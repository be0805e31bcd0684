import { describe, expect, it } from 'vitest';
import type { Attendance, MeetSpaceState, SessionSummary, SmsState } from '../../shared/index.ts';
import { callStatus, formatAgo, formatDuration, withCallStatus } from './call-status.ts';

const T0 = Date.parse('2030-01-01T10:00:00.000Z');
const at = (minutes: number, seconds = 0) => new Date(T0 + minutes * 60_000 + seconds * 1000).toISOString();
const LINK = 'https://meet.google.com/abc-defg-hij';
const PROBLEM =
  'your Google Workspace admin has not yet allowed SavvySolve Meet to change Meet settings (domain-wide delegation scopes meetings.space.settings and meetings.space.readonly)';

const NOBODY: Attendance = { customerJoinedAt: null, customerLeftAt: null, solverJoinedAt: null, callStartedAt: null, callEndedAt: null };

/** The link was stored at T0; the nudge is due 3 minutes later. */
function space(attendance: Partial<Attendance> = {}, access: Partial<MeetSpaceState['access']> = {}): MeetSpaceState {
  return {
    access: { state: 'applied', accessType: 'OPEN', problem: null, ...access },
    attendance: { ...NOBODY, ...attendance },
    nudgeResendAt: at(3),
    retired: null,
  };
}

const sms = (status: SmsState['status'], updatedAt = at(0, 5), error: string | null = null): SmsState => ({
  status,
  error,
  errorCode: null,
  errorClass: null,
  updatedAt,
});

type Input = Pick<SessionSummary, 'meetLink' | 'sms' | 'meetSpace'>;
const session = (meetSpace: MeetSpaceState | null, smsState: SmsState | null = sms('delivered')): Input => ({
  meetLink: LINK,
  sms: smsState,
  meetSpace,
});

describe('formatDuration and formatAgo', () => {
  it.each([
    [0, 'under 1 min'],
    [59_999, 'under 1 min'],
    [60_000, '1 min'],
    [119_999, '1 min'],
    [120_000, '2 min'],
    [59 * 60_000, '59 min'],
    [60 * 60_000, '1 h'],
    [65 * 60_000, '1 h 5 min'],
    [125 * 60_000, '2 h 5 min'],
    [-5_000, 'under 1 min'],
  ])('%i ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each([
    [at(0), T0 + 30_000, 'just now'],
    [at(0), T0 - 10_000, 'just now'], // the server's clock a little ahead of ours
    [at(0), T0 + 60_000, '1 min ago'],
    [at(0), T0 + 4 * 60_000 + 59_000, '4 min ago'],
    [at(0), T0 + 90 * 60_000, '1 h 30 min ago'],
  ])('%s seen at %i → %s', (iso, now, text) => expect(formatAgo(iso, now)).toBe(text));
});

describe('callStatus', () => {
  it('has nothing to say without a link or without space control', () => {
    expect(callStatus({ meetLink: null, sms: null, meetSpace: null }, T0)).toBeNull();
    expect(callStatus({ meetLink: LINK, sms: sms('delivered'), meetSpace: null }, T0)).toBeNull();
  });

  it.each<[string, Input, number, string, string, string]>([
    [
      'room being opened',
      session(space({}, { state: 'pending', accessType: null }), null),
      T0,
      'opening',
      'Opening the room to the customer…',
      'pending',
    ],
    ['waiting, no SMS yet', session(space(), null), T0, 'waiting', 'Waiting for the customer · SMS not sent yet', 'pending'],
    ['waiting, SMS queued', session(space(), sms('queued')), T0, 'waiting', 'Waiting for the customer · SMS queued', 'pending'],
    ['waiting, SMS with Twilio', session(space(), sms('accepted')), T0, 'waiting', 'Waiting for the customer · SMS sending', 'pending'],
    [
      'waiting, SMS sent just now',
      session(space(), sms('sent')),
      T0 + 20_000,
      'waiting',
      'Waiting for the customer · SMS sent just now',
      'pending',
    ],
    [
      'waiting, SMS delivered 1 min ago',
      session(space()),
      T0 + 65_000,
      'waiting',
      'Waiting for the customer · SMS delivered 1 min ago',
      'pending',
    ],
    [
      'waiting, SMS delivered 2 min ago',
      session(space()),
      T0 + 2 * 60_000 + 10_000,
      'waiting',
      'Waiting for the customer · SMS delivered 2 min ago',
      'pending',
    ],
    [
      'waiting, SMS undelivered',
      session(space(), sms('undelivered', at(0, 5), 'The phone is unreachable')),
      T0,
      'waiting',
      'Waiting for the customer · SMS not delivered: The phone is unreachable',
      'error',
    ],
    [
      'waiting, SMS undelivered without a reason',
      session(space(), sms('undelivered')),
      T0,
      'waiting',
      'Waiting for the customer · SMS not delivered',
      'error',
    ],
    [
      'waiting, SMS failed',
      session(space(), sms('failed', at(0), 'Invalid number')),
      T0,
      'waiting',
      'Waiting for the customer · SMS failed: Invalid number',
      'error',
    ],
    [
      'waiting, SMS not configured',
      session(space(), sms('skipped')),
      T0,
      'waiting',
      'Waiting for the customer · SMS not sent: SMS is not configured',
      'warning',
    ],
    [
      'waiting, access failed',
      session(space({}, { state: 'failed', accessType: null, problem: PROBLEM })),
      T0 + 20_000,
      'waiting',
      'Waiting for the customer · SMS delivered just now',
      'warning',
    ],
    [
      'waiting, the solver alone in the call',
      session(space({ solverJoinedAt: at(1), callStartedAt: at(1) })),
      T0 + 90_000,
      'waiting',
      'Waiting for the customer · SMS delivered 1 min ago',
      'pending',
    ],
    [
      'customer just joined',
      session(space({ customerJoinedAt: at(1), callStartedAt: at(1) })),
      T0 + 90_000,
      'in_call',
      'Customer in the call · under 1 min',
      'success',
    ],
    [
      'customer in for 1 min',
      session(space({ customerJoinedAt: at(1), callStartedAt: at(1) })),
      T0 + 2 * 60_000,
      'in_call',
      'Customer in the call · 1 min',
      'success',
    ],
    [
      'customer in for 6 min',
      session(space({ customerJoinedAt: at(1), callStartedAt: at(1) })),
      T0 + 7 * 60_000 + 30_000,
      'in_call',
      'Customer in the call · 6 min',
      'success',
    ],
    // A re-join clears customerLeftAt: in again, the minutes counted from the first join.
    [
      'customer back after leaving',
      session(space({ customerJoinedAt: at(1), customerLeftAt: null, callStartedAt: at(0) })),
      T0 + 11 * 60_000,
      'in_call',
      'Customer in the call · 10 min',
      'success',
    ],
    [
      'customer left just now',
      session(space({ customerJoinedAt: at(1), customerLeftAt: at(5), callStartedAt: at(1) })),
      T0 + 5 * 60_000 + 10_000,
      'left',
      'Customer left · just now',
      'warning',
    ],
    [
      'customer left 4 min ago',
      session(space({ customerJoinedAt: at(1), customerLeftAt: at(5), callStartedAt: at(1) })),
      T0 + 9 * 60_000,
      'left',
      'Customer left · 4 min ago',
      'warning',
    ],
    [
      'call ended after 12 min',
      session(space({ customerJoinedAt: at(1), customerLeftAt: at(13), callStartedAt: at(1), callEndedAt: at(13) })),
      T0 + 60 * 60_000,
      'ended',
      'Call ended · 12 min',
      'neutral',
    ],
    [
      'call ended after 1 min',
      session(space({ customerJoinedAt: at(1), customerLeftAt: at(2), callStartedAt: at(1), callEndedAt: at(2) })),
      T0 + 3 * 60_000,
      'ended',
      'Call ended · 1 min',
      'neutral',
    ],
    ['call ended, start unknown', session(space({ callEndedAt: at(13) })), T0 + 14 * 60_000, 'ended', 'Call ended', 'neutral'],
  ])('%s', (_, input, now, phase, text, tone) => {
    const status = callStatus(input, now)!;
    expect({ phase: status.phase, text: status.text, tone: status.tone }).toEqual({ phase, text, tone });
    expect(status.text).toBe(status.detail ? `${status.headline} · ${status.detail}` : status.headline);
  });

  describe('the resend nudge', () => {
    it.each<[string, Input, number, boolean]>([
      ['before nudgeResendAt', session(space()), T0 + 2 * 60_000 + 59_000, false],
      ['at nudgeResendAt', session(space()), T0 + 3 * 60_000, true],
      ['after, SMS not delivered', session(space(), sms('undelivered', at(0, 5), 'Unreachable')), T0 + 5 * 60_000, true],
      ['after, no SMS at all', session(space(), null), T0 + 5 * 60_000, true],
      ['after, but the customer joined', session(space({ customerJoinedAt: at(2), callStartedAt: at(2) })), T0 + 5 * 60_000, false],
      [
        'after, customer came and left',
        session(space({ customerJoinedAt: at(2), customerLeftAt: at(3), callStartedAt: at(2) })),
        T0 + 5 * 60_000,
        false,
      ],
      ['after, the call ended', session(space({ callStartedAt: at(1), callEndedAt: at(2) })), T0 + 5 * 60_000, false],
      ['after, the SMS was resent since', session(space(), sms('delivered', at(4))), T0 + 5 * 60_000, false],
      ['after, the resent SMS on its way', session(space(), sms('queued', at(4))), T0 + 5 * 60_000, false],
      ['after, an SMS that failed since', session(space(), sms('failed', at(4), 'Carrier rejected')), T0 + 5 * 60_000, true],
      ['after, SMS not configured', session(space(), sms('skipped')), T0 + 5 * 60_000, false],
      ['after, the room still being opened', session(space({}, { state: 'pending' })), T0 + 5 * 60_000, false],
      ['no nudge time known', session({ ...space(), nudgeResendAt: null }), T0 + 5 * 60_000, false],
    ])('%s → %s', (_, input, now, nudge) => expect(callStatus(input, now)!.nudge).toBe(nudge));
  });

  describe('the access warning', () => {
    const failed = (attendance: Partial<Attendance> = {}, problem: string | null = PROBLEM) =>
      session(space(attendance, { state: 'failed', accessType: null, problem }));

    it('says the customer may have to ask to join, with the problem in plain words', () => {
      expect(callStatus(failed(), T0)!.accessWarning).toBe(`The customer may have to ask to join: ${PROBLEM}.`);
      expect(callStatus(failed({}, 'Google Meet is unavailable (HTTP 503).'), T0)!.accessWarning).toBe(
        'The customer may have to ask to join: Google Meet is unavailable (HTTP 503).',
      );
      expect(callStatus(failed({}, null), T0)!.accessWarning).toBe('The customer may have to ask to join.');
    });

    it('stays while a customer who left may knock again, goes once they are in or the call is over', () => {
      expect(callStatus(failed({ customerJoinedAt: at(1), customerLeftAt: at(2) }), T0 + 3 * 60_000)!.accessWarning).not.toBeNull();
      expect(callStatus(failed({ customerJoinedAt: at(1) }), T0 + 3 * 60_000)!.accessWarning).toBeNull();
      expect(callStatus(failed({ callStartedAt: at(1), callEndedAt: at(2) }), T0 + 3 * 60_000)!.accessWarning).toBeNull();
    });

    it.each(['pending', 'applied', 'unchanged'] as const)('is absent when access is %s', (state) => {
      expect(callStatus(session(space({}, { state, problem: null })), T0)!.accessWarning).toBeNull();
    });
  });

  it('adds the status and warning to a tooltip, one per line', () => {
    const status = callStatus(
      session(space({}, { state: 'failed', accessType: null, problem: 'Google Meet did not answer in time' })),
      T0 + 20_000,
    );
    expect(withCallStatus('Open Meet', status)).toBe(
      'Open Meet\nWaiting for the customer · SMS delivered just now\nThe customer may have to ask to join: Google Meet did not answer in time.',
    );
    expect(withCallStatus('Open Meet', null)).toBe('Open Meet');
  });
});
