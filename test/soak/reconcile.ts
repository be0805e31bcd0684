import { FALLBACK_MEET_LINK } from '../../shared/index.ts';
import { POLL_JOB, type Facts } from './facts.ts';
import type { SessionRecord } from './load.ts';

/** One thing found wrong: what (`check`), for which session, and the evidence. */
export type Problem = { check: string; sessionId?: string; detail: string };

export type Verdict = {
  lost: Problem[];
  duplicated: Problem[];
  /** Facts worth reading that are neither (e.g. jobs that gave up, whose effects the checks above cover). */
  notes: string[];
  /** Totals the table shows. */
  totals: {
    sessions: number;
    linksFromCalendar: number;
    linksCaptured: number;
    fallbackOnly: number;
    requestedSends: number;
    uncertainSends: number;
    textsToCustomers: number;
    hostEventRows: number;
    ended: number;
    pollChainsLive: number;
  };
};

const CALENDAR_END_SLACK_MS = 60_000;

/**
 * Compares what the clients did and were told (the load's records) with what exists (database and emulators):
 * for every session one stored link, the same one every client got; exactly one Calendar event when the link came
 * from Calendar and none otherwise; one SMS per requested send (first + each resend answered 200, a resend whose
 * instance died counting either way), each with the stored link; one system message; one `meet_link.created` and,
 * after the end, one `session.meet_ended`; every host event delivered under its own webhook-id; the end applied
 * (Calendar event ended, room RESTRICTED); nothing left pending. Pure: no I/O.
 */
export function reconcile(records: SessionRecord[], facts: Facts): Verdict {
  const lost: Problem[] = [];
  const duplicated: Problem[] = [];
  const notes: string[] = [];
  const totals: Verdict['totals'] = {
    sessions: records.length,
    linksFromCalendar: 0,
    linksCaptured: 0,
    fallbackOnly: 0,
    requestedSends: 0,
    uncertainSends: 0,
    textsToCustomers: 0,
    hostEventRows: facts.hostEventRows.length,
    ended: 0,
    pollChainsLive: facts.jobs.filter((job) => job.name === POLL_JOB && job.state === 'created').reduce((sum, job) => sum + job.n, 0),
  };
  const rowsBySession = new Map<string, Facts['hostEventRows']>();
  for (const row of facts.hostEventRows) rowsBySession.set(row.session_id, [...(rowsBySession.get(row.session_id) ?? []), row]);

  for (const record of records) {
    const id = record.plan.id;
    const at = (check: string, detail: string): Problem => ({ check, sessionId: id, detail });
    const row = facts.sessions.get(id);
    if (!row) {
      if (record.upsertStatus === 200) lost.push(at('session', 'accepted (200) but not stored'));
      else notes.push(`session ${id}: never accepted by the backend (last answer ${record.upsertStatus}); nothing expected`);
      continue;
    }
    if (row.customer_name !== record.expectedName)
      lost.push(at('newer session.upserted', `stored "${row.customer_name}", the newest sent was "${record.expectedName}"`));

    // The link: one per session, the one every client was given.
    const given = [...new Set(record.links)];
    if (given.length > 1) duplicated.push(at('link', `clients were given ${given.length} different links: ${given.join(', ')}`));
    if (given.length > 0 && row.meet_link === null) lost.push(at('link', `the solver got ${given[0]} but no link is stored`));
    else if (given.length > 0 && !given.includes(row.meet_link!))
      duplicated.push(at('link', `stored ${row.meet_link}, the solver got ${given.join(', ')}`));
    if (row.meet_link_source === 'calendar') totals.linksFromCalendar += 1;
    else if (row.meet_link_source === 'captured') totals.linksCaptured += 1;
    else if (record.fallbacks > 0) totals.fallbackOnly += 1;

    // Calendar: exactly one event when the link came from it; none otherwise.
    const events = facts.calendarEvents.get(id) ?? [];
    if (events.length > 1) duplicated.push(at('Calendar event', `${events.length} events: ${events.map((event) => event.id).join(', ')}`));
    if (row.meet_link_source === 'calendar') {
      if (events.length === 0) lost.push(at('Calendar event', 'the link is from Calendar but there is no event'));
      else if (events[0]!.link !== row.meet_link)
        duplicated.push(at('Calendar event', `event room ${events[0]!.link} ≠ stored ${row.meet_link}`));
    } else if (events.length > 0)
      duplicated.push(
        at(
          'Calendar event, extra',
          `an event with its own room (${events[0]!.link}) exists but the session's link is ${row.meet_link_source ?? 'none'} (${row.meet_link ?? '-'}): ` +
            `Calendar answered after the click had fallen back; that room stays on the solver's calendar, never ended`,
        ),
      );

    // SMS: one per requested send.
    const requested = (row.meet_link ? 1 : 0) + record.resendsAccepted;
    totals.requestedSends += requested;
    totals.uncertainSends += record.resendsUncertain;
    const texts = facts.texts.get(row.customer_phone) ?? [];
    totals.textsToCustomers += texts.length;
    const deliveries = (facts.sms.get(id) ?? []).map((d) => `${d.status}${d.error_code ? `:${d.error_code}` : ''}`).join(', ');
    if (texts.length < requested)
      lost.push(at('SMS', `${texts.length} texted for ${requested} requested sends (deliveries: ${deliveries || 'none'})`));
    if (texts.length > requested + record.resendsUncertain)
      duplicated.push(
        at(
          'SMS',
          `${texts.length} texted for ${requested} requested sends${record.resendsUncertain ? ` (+${record.resendsUncertain} uncertain)` : ''} (deliveries: ${deliveries})`,
        ),
      );
    // A real room code may begin with "new-": only the fallback URL itself (nothing after /new) is foreign.
    const foreign = texts.filter((body) => !row.meet_link || !body.endsWith(row.meet_link) || body.endsWith(FALLBACK_MEET_LINK));
    if (foreign.length > 0) duplicated.push(at('SMS with another link', foreign.join(' | ')));

    // The system message in the session's chat.
    const messages = facts.systemMessages.get(id) ?? [];
    if (row.meet_link && messages.length === 0) lost.push(at('system message', 'none on the session channel'));
    if (messages.length > 1)
      duplicated.push(at('system message', `${messages.length} on the session channel (ids ${messages.map((m) => m.id).join(', ')})`));

    // Host events of the session: one per fact.
    const rows = rowsBySession.get(id) ?? [];
    const ofType = (type: string) => rows.filter((event) => event.type === type).length;
    const expectOne = (type: string, expected: boolean) => {
      const n = ofType(type);
      if (expected && n === 0) lost.push(at(`host event ${type}`, 'never recorded'));
      if (n > (expected ? 1 : 0)) duplicated.push(at(`host event ${type}`, `${n} recorded`));
    };
    expectOne('meet_link.created', row.meet_link !== null);
    const accepted = rows.filter((event) => event.type === 'sms.status_changed' && event.data_status === 'accepted').length;
    const deliveryCount = facts.sms.get(id)?.length ?? 0;
    if (accepted > deliveryCount)
      duplicated.push(at('host event sms.status_changed', `${accepted} "accepted" for ${deliveryCount} SMS deliveries`));
    expectOne('session.meet_ended', row.status === 'ended' && row.meet_link !== null);

    // The end: applied, its Calendar event ended, its room retired.
    if (row.status === 'ended') totals.ended += 1;
    if (record.endStatus === 200 && row.status !== 'ended') lost.push(at('session.ended', `answered 200, session is ${row.status}`));
    if (row.status === 'ended' && row.meet_link_source === 'calendar' && events[0]) {
      const scheduledEnd = Date.parse(events[0].start) + 60 * 60_000;
      if (Date.parse(events[0].end) > scheduledEnd - CALENDAR_END_SLACK_MS)
        lost.push(at('Calendar event end', `still ends at ${events[0].end}`));
      const access = facts.roomAccess.get(row.meet_link!);
      if (access !== 'RESTRICTED')
        lost.push(at('room retirement', `the ended session's room is ${access ?? 'unknown'} (retire_state ${row.retire_state ?? 'none'})`));
    }

    if (row.fanout_pending || row.notify_pending)
      lost.push(at('outbox', `left pending (fanout ${row.fanout_pending}, notify ${row.notify_pending})`));
  }

  // Host events: each row delivered (2xx, valid signature) under its id; nothing received that no row explains.
  const ok = new Set(
    facts.received.filter((event) => event.status && event.status < 300 && event.signatureValid).map((event) => event.webhookId),
  );
  const known = new Set(facts.hostEventRows.map((row) => row.id));
  for (const row of facts.hostEventRows) {
    if (row.status !== 'delivered' || !ok.has(row.id))
      lost.push({
        check: `host event ${row.type}`,
        sessionId: row.session_id,
        detail: `${row.status} after ${row.attempts} attempts, ${ok.has(row.id) ? 'received' : 'never received'}${row.last_error ? ` (${row.last_error})` : ''}`,
      });
  }
  for (const webhookId of new Set(facts.received.map((event) => event.webhookId)))
    if (!known.has(webhookId))
      duplicated.push({ check: 'host event', detail: `received webhook-id ${webhookId}, which no host_events row has` });

  for (const job of facts.jobs) {
    if (job.name === POLL_JOB) continue;
    if (['created', 'retry', 'active'].includes(job.state))
      lost.push({ check: 'job queue', detail: `${job.n} × ${job.name} still ${job.state} after the drain` });
    if (job.state === 'failed') notes.push(`${job.n} × ${job.name} gave up (failed); their effects are checked above`);
  }
  return { lost, duplicated, notes, totals };
}

/** Problems counted by check, for the table: `{ 'SMS': 2, … }`. */
export function byCheck(problems: Problem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const problem of problems) counts[problem.check] = (counts[problem.check] ?? 0) + 1;
  return counts;
}
