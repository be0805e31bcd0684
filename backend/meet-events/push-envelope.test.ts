import { describe, expect, it } from 'vitest';
import { lifecycleEventOf, meetEventOf, pushEnvelopeSchema } from './push-envelope.ts';

const push = (attributes: Record<string, string>, data: unknown) =>
  pushEnvelopeSchema.parse({
    message: { attributes, data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId: '42' },
    subscription: 'projects/p/subscriptions/s',
  });
const SESSION = 'conferenceRecords/abc/participants/123/participantSessions/s1';

describe('meetEventOf', () => {
  it('reads the conference record of participant and conference events, keyed by ce-id (else messageId)', () => {
    expect(
      meetEventOf(
        push(
          { 'ce-id': 'e1', 'ce-type': 'google.workspace.meet.participant.v2.left', 'ce-subject': '//meet.googleapis.com/spaces/x' },
          { participantSession: { name: SESSION } },
        ),
      ),
    ).toEqual({
      id: 'e1',
      type: 'google.workspace.meet.participant.v2.left',
      subject: '//meet.googleapis.com/spaces/x',
      conferenceRecord: 'conferenceRecords/abc',
    });
    expect(
      meetEventOf(
        push({ 'ce-type': 'google.workspace.meet.conference.v2.ended' }, { conferenceRecord: { name: 'conferenceRecords/abc' } }),
      ),
    ).toMatchObject({
      id: '42',
      conferenceRecord: 'conferenceRecords/abc',
    });
  });

  it('ignores other event types and names what is malformed', () => {
    expect(meetEventOf(push({ 'ce-type': 'google.workspace.events.subscription.v1.expirationReminder' }, {}))).toBeUndefined();
    expect(() =>
      meetEventOf(push({ 'ce-type': 'google.workspace.meet.participant.v2.joined' }, { participantSession: { name: 'participants/1' } })),
    ).toThrow(/participantSession.name must be/);
    expect(() => meetEventOf(push({ 'ce-type': 'google.workspace.meet.conference.v2.started' }, {}))).toThrow(
      /conferenceRecord.name must be/,
    );
    expect(pushEnvelopeSchema.safeParse({ message: { data: 'not base64!', messageId: '1' }, subscription: 's' }).success).toBe(false);
  });

  it('reads a subscription lifecycle event: which subscription, and why it was suspended', () => {
    const suspended = push(
      { 'ce-id': 'l1', 'ce-type': 'google.workspace.events.subscription.v1.suspended' },
      { subscription: { name: 'subscriptions/abc', state: 'SUSPENDED', suspensionReason: 'USER_SCOPE_REVOKED' } },
    );
    expect(meetEventOf(suspended)).toBeUndefined();
    expect(lifecycleEventOf(suspended)).toEqual({
      id: 'l1',
      type: 'google.workspace.events.subscription.v1.suspended',
      subscription: 'subscriptions/abc',
      reason: 'USER_SCOPE_REVOKED',
    });
    expect(() => lifecycleEventOf(push({ 'ce-type': 'google.workspace.events.subscription.v1.expired' }, {}))).toThrow(/subscription.name/);
  });
});
