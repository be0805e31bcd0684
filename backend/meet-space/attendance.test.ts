import { describe, expect, it } from 'vitest';
import { changedAttendance, readAttendance } from './attendance.ts';
import { diagnoseMeetError } from './meet-space-failure.ts';
import type { MeetConference, MeetParticipant } from './google-meet-spaces.ts';

const t = (minute: number) => new Date(Date.UTC(2026, 10, 30, 10, minute));
const SOLVER = '1111';
const person = (user: string | undefined, from: number, to?: number): MeetParticipant => ({
  user,
  earliestStartTime: t(from),
  latestEndTime: to === undefined ? null : t(to),
});
const call = (from: number, to: number | null, participants: MeetParticipant[]): MeetConference => ({
  name: `conferenceRecords/${from}`,
  startTime: t(from),
  endTime: to === null ? null : t(to),
  participants,
});

describe('readAttendance', () => {
  it.each([
    ['nobody yet', [], { customerJoinedAt: null, customerLeftAt: null, solverJoinedAt: null, callStartedAt: null, callEndedAt: null }],
    [
      'only the solver, waiting',
      [call(1, null, [person(`users/${SOLVER}`, 1)])],
      { customerJoinedAt: null, customerLeftAt: null, solverJoinedAt: t(1), callStartedAt: t(1), callEndedAt: null },
    ],
    [
      'the customer in the call (anonymous)',
      [call(1, null, [person(`users/${SOLVER}`, 1), person(undefined, 3)])],
      { customerJoinedAt: t(3), customerLeftAt: null, solverJoinedAt: t(1), callStartedAt: t(1), callEndedAt: null },
    ],
    [
      'the customer left, the call goes on',
      [call(1, null, [person(`users/${SOLVER}`, 1), person(undefined, 3, 9)])],
      { customerJoinedAt: t(3), customerLeftAt: t(9), solverJoinedAt: t(1), callStartedAt: t(1), callEndedAt: null },
    ],
    [
      're-joined in a second call: in again',
      [call(1, 10, [person(`users/${SOLVER}`, 1, 10), person(undefined, 3, 9)]), call(12, null, [person(undefined, 12)])],
      { customerJoinedAt: t(3), customerLeftAt: null, solverJoinedAt: t(1), callStartedAt: t(1), callEndedAt: null },
    ],
    [
      'the call ended',
      [call(1, 13, [person(`users/${SOLVER}`, 1, 13), person('users/2222', 3, 13)])],
      { customerJoinedAt: t(3), customerLeftAt: t(13), solverJoinedAt: t(1), callStartedAt: t(1), callEndedAt: t(13) },
    ],
  ])('%s', (_case, conferences, expected) => {
    expect(readAttendance(conferences, SOLVER)).toEqual(expected);
  });

  it('counts everyone as the customer while the solver account id is unknown', () => {
    expect(readAttendance([call(1, null, [person(`users/${SOLVER}`, 1)])], null).customerJoinedAt).toEqual(t(1));
  });

  it('names the fields that changed', () => {
    const before = readAttendance([call(1, null, [person(`users/${SOLVER}`, 1)])], SOLVER);
    const after = readAttendance([call(1, null, [person(`users/${SOLVER}`, 1), person(undefined, 3)])], SOLVER);
    expect(changedAttendance(before, after)).toEqual(['customerJoinedAt']);
    expect(changedAttendance(after, after)).toEqual([]);
  });
});

describe('diagnoseMeetError', () => {
  it.each([
    [
      { response: { status: 403, data: { error: { status: 'PERMISSION_DENIED', details: [{ reason: 'SERVICE_DISABLED' }] } } } },
      'api_disabled',
    ],
    [{ response: { status: 403, data: { error: { status: 'PERMISSION_DENIED', message: 'insufficient scopes' } } } }, 'scope_not_granted'],
    [{ response: { status: 401, data: { error: 'unauthorized_client' } } }, 'scope_not_granted'],
    [
      { response: { status: 403, data: { error: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' } } } },
      'not_owner',
    ],
    [
      {
        response: {
          status: 403,
          data: {
            error: {
              status: 'PERMISSION_DENIED',
              message: 'The caller does not have permission',
              details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }],
            },
          },
        },
      },
      'scope_not_granted',
    ],
    [{ response: { status: 404, data: {} } }, 'not_found'],
    [{ response: { status: 429, data: {} } }, 'rate_limited'],
    [{ response: { status: 503, data: {} } }, 'unavailable'],
    [{ code: 'ECONNABORTED', message: 'timeout of 4000ms exceeded' }, 'timeout'],
  ])('%j → %s', (error, kind) => {
    expect(diagnoseMeetError(error).kind).toBe(kind);
  });
});
