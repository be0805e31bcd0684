import { describe, expect, it } from 'vitest';
import { meetSmsBody } from '../../shared/index.ts';
import type { Facts, SessionRow } from './facts.ts';
import type { SessionRecord } from './load.ts';
import type { SessionPlan } from './plan.ts';
import { reconcile } from './reconcile.ts';

const ID = '3f2b8c1e-7d4a-4e8b-9c2d-1a0b9c8d7e6f';
const PHONE = '+14155000001';
const LINK = 'https://meet.google.com/abc-defg-hij';
const text = meetSmsBody('Ada', LINK);

const record = (change: Partial<SessionRecord> = {}): SessionRecord => ({
  plan: { id: ID, index: 0, phone: PHONE } as SessionPlan,
  upsertStatus: 200,
  expectedName: 'Grace',
  upsertOutcomes: ['created'],
  links: [LINK],
  fallbacks: 0,
  clickStatuses: [200],
  resendsAccepted: 0,
  resendsUncertain: 0,
  ...change,
});

const row: SessionRow = {
  id: ID,
  status: 'active',
  meet_link: LINK,
  meet_link_source: 'calendar',
  fanout_pending: false,
  notify_pending: false,
  customer_name: 'Grace',
  customer_phone: PHONE,
  retire_state: null,
  space_name: 'spaces/x',
};

/** One session that went right: one event, one SMS, one system message, one delivered meet_link.created. */
const facts = (change: Partial<Facts> = {}): Facts => ({
  sessions: new Map([[ID, row]]),
  sms: new Map([[ID, [{ status: 'delivered', error_code: null }]]]),
  hostEventRows: [
    { id: 'e1', session_id: ID, type: 'meet_link.created', status: 'delivered', attempts: 1, last_error: null, data_status: null },
  ],
  jobs: [{ name: 'sms.send', state: 'completed', n: 1 }],
  received: [{ webhookId: 'e1', type: 'meet_link.created', status: 204, signatureValid: true, sessionId: ID }],
  calendarEvents: new Map([[ID, [{ id: 'ev1', link: LINK, start: '2026-11-30T10:00:00Z', end: '2026-11-30T11:00:00Z' }]]]),
  texts: new Map([[PHONE, [text]]]),
  systemMessages: new Map([[ID, [{ id: 'm1', meetLink: LINK }]]]),
  roomAccess: new Map([[LINK, 'OPEN']]),
  ...change,
});

describe('reconcile', () => {
  it('finds nothing wrong with a session that went right', () => {
    const verdict = reconcile([record()], facts());
    expect([...verdict.lost, ...verdict.duplicated]).toEqual([]);
    expect(verdict.totals).toMatchObject({ linksFromCalendar: 1, requestedSends: 1, textsToCustomers: 1 });
  });

  it.each([
    ['a second SMS', { texts: new Map([[PHONE, [text, text]]]) }, 'duplicated', 'SMS'],
    ['no SMS', { texts: new Map() }, 'lost', 'SMS'],
    [
      'a second Calendar event',
      { calendarEvents: new Map([[ID, [...facts().calendarEvents.get(ID)!, { id: 'ev2', start: '', end: '' }]]]) },
      'duplicated',
      'Calendar event',
    ],
    ['a host event never delivered', { received: [] }, 'lost', 'host event meet_link.created'],
    [
      'a host event id no row has',
      { received: [...facts().received, { webhookId: 'x', type: 't', status: 204, signatureValid: true }] },
      'duplicated',
      'host event',
    ],
    ['a job left in retry', { jobs: [{ name: 'sms.send', state: 'retry', n: 2 }] }, 'lost', 'job queue'],
    ['two system messages', { systemMessages: new Map([[ID, [{ id: 'm1' }, { id: 'm2' }]]]) }, 'duplicated', 'system message'],
  ] as const)('counts %s', (_what, change, list, check) => {
    const verdict = reconcile([record()], facts(change as Partial<Facts>));
    expect(verdict[list].map((problem) => problem.check)).toEqual([check]);
  });

  it('counts one SMS per resend answered 200, and lets a resend whose instance died count either way', () => {
    expect(reconcile([record({ resendsAccepted: 1 })], facts()).lost.map((p) => p.check)).toEqual(['SMS']);
    const uncertain = record({ resendsUncertain: 1 });
    expect(reconcile([uncertain], facts()).duplicated).toEqual([]);
    expect(reconcile([uncertain], facts({ texts: new Map([[PHONE, [text, text]]]) })).duplicated).toEqual([]);
  });

  it('calls an event beside a captured link extra, and an ended session whose room stayed open lost', () => {
    const captured = new Map([[ID, { ...row, meet_link: 'https://meet.google.com/sok-aaaa-aaa', meet_link_source: 'captured' }]]);
    const extra = reconcile([record({ links: ['https://meet.google.com/sok-aaaa-aaa'] })], facts({ sessions: captured }));
    expect(extra.duplicated.map((p) => p.check)).toContain('Calendar event, extra');

    const ended = new Map([[ID, { ...row, status: 'ended' }]]);
    const endedEvent = new Map([[ID, [{ id: 'ev1', link: LINK, start: '2026-11-30T10:00:00Z', end: '2026-11-30T10:05:00Z' }]]]);
    const hostRows = [
      ...facts().hostEventRows,
      { id: 'e2', session_id: ID, type: 'session.meet_ended', status: 'delivered', attempts: 1, last_error: null, data_status: null },
    ];
    const received = [...facts().received, { webhookId: 'e2', type: 'session.meet_ended', status: 204, signatureValid: true }];
    const open = reconcile(
      [record({ endStatus: 200 })],
      facts({ sessions: ended, calendarEvents: endedEvent, hostEventRows: hostRows, received }),
    );
    expect(open.lost.map((p) => p.check)).toEqual(['room retirement']);
    const closed = reconcile(
      [record({ endStatus: 200 })],
      facts({
        sessions: ended,
        calendarEvents: endedEvent,
        hostEventRows: hostRows,
        received,
        roomAccess: new Map([[LINK, 'RESTRICTED']]),
      }),
    );
    expect([...closed.lost, ...closed.duplicated]).toEqual([]);
  });
});
