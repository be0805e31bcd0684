import { desc, gt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { smsAlerts } from '../db/schema.ts';
import { senderFixOf } from './twilio-error-classes.ts';

/** How far back the doctor reports the sender problems customers met. */
export const RECENT_ALERT_HOURS = 24;

/**
 * The `sender`/`content` failures alerted in the last RECENT_ALERT_HOURS (backend/sms/sms-change.ts records them),
 * newest first, each in words with the admin's fix.
 */
export async function recentSenderAlerts(db: Database): Promise<{ errorCode: string; detail: string; fix: string }[]> {
  const rows = await db
    .select()
    .from(smsAlerts)
    .where(gt(smsAlerts.lastAlertedAt, new Date(Date.now() - RECENT_ALERT_HOURS * 3_600_000)))
    .orderBy(desc(smsAlerts.lastAlertedAt));
  return rows.map((row) => ({
    errorCode: row.errorCode,
    detail: `Twilio error ${row.errorCode} at ${row.lastAlertedAt.toISOString()}: ${row.error}`,
    fix: senderFixOf(row.errorCode),
  }));
}
