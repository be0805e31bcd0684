import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createWebhookSigning } from './webhook-signing.ts';

const OLD = `whsec_${Buffer.from('the-old-secret-0123456789').toString('base64')}`;
const NEW = `whsec_${Buffer.from('the-new-secret-0123456789').toString('base64')}`;
const payload = JSON.stringify({ type: 'meet_link.created', timestamp: '2026-11-30T10:00:00.000Z', data: {} });

describe('Standard Webhooks signing', () => {
  it('signs with every secret during a rotation, so a host holding either one verifies', () => {
    const headers = createWebhookSigning([NEW, OLD]).headersFor('evt_1', payload);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [NEW, OLD]) expect(() => new Webhook(secret).verify(payload, headers)).not.toThrow();
  });

  it('verifies with any configured secret, and refuses another secret, a changed body or an old timestamp', () => {
    const signing = createWebhookSigning([NEW, OLD]);
    const byOld = createWebhookSigning([OLD]).headersFor('evt_2', payload);
    expect(signing.verify(payload, byOld)).toBe(true);
    expect(signing.verify(`${payload} `, byOld)).toBe(false);
    const other = createWebhookSigning([`whsec_${Buffer.from('someone-else').toString('base64')}`]).headersFor('evt_3', payload);
    expect(signing.verify(payload, other)).toBe(false);
    const stale = signing.headersFor('evt_4', payload, new Date(Date.now() - 5 * 60_000 - 2_000));
    expect(signing.verify(payload, stale)).toBe(false);
    expect(signing.verify(payload, { 'webhook-id': '', 'webhook-timestamp': '', 'webhook-signature': '' })).toBe(false);
  });
});
