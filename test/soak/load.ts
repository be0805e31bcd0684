import { createClient, type Answer } from './client.ts';
import { nationalFormat, type SessionPlan } from './plan.ts';
import { createRandom, type Random } from './random.ts';
import type { World } from './world.ts';

/** The kinds of request the load sends, as the table lists them. */
export const REQUEST_KINDS = [
  'session.upserted',
  'session.upserted twice at once, same webhook-id (both instances)',
  'session.upserted older after newer',
  'session only at the host (pulled by the click)',
  'click',
  'double click, same instance',
  'second click at once on the other instance',
  'click again after a fallback',
  'capture after a fallback',
  'resend answered 200 (a requested send)',
  'resend refused (4xx)',
  'resend without an answer (instance died)',
  'session.ended',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** What the clients did with one session and what they were told: the reconcile's expectations. */
export type SessionRecord = {
  plan: SessionPlan;
  /** The status of the session's (newest) `session.upserted`; 200 for a pulled session whose click found it. */
  upsertStatus: number;
  /** The customer name of the newest version sent: the one that must be stored. */
  expectedName: string;
  /** `outcome` of each `session.upserted` delivery answered 200. */
  upsertOutcomes: string[];
  /** Links the solver was given that are not the fallback (clicks and captures answering 200). */
  links: string[];
  fallbacks: number;
  /** The room URL sent to capture, if any. */
  captured?: string;
  /** Status of every click (0: no instance answered). */
  clickStatuses: number[];
  resendsAccepted: number;
  /** Resends whose instance died mid-request: sent or not, the client cannot know. */
  resendsUncertain: number;
  endStatus?: number;
};

export type LoadResult = {
  records: SessionRecord[];
  requests: Record<RequestKind, number>;
  /** Milliseconds of every click answered 200 (a failover to the other instance included). */
  clickMs: number[];
  /** Requests that met a dead instance (refused, reset, or no answer in 45 s), then sent elsewhere unless unsafe. */
  connectionErrors: number;
  seconds: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A person's pause between two actions, `minMs`–`maxMs`: a clock on purpose, the timing is the load's shape. */
const think = (random: Random, minMs: number, maxMs: number) => sleep(random.int(minMs, maxMs));
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** A unique Meet-shaped room, `sok-xxxx-xxx`, for the capture after a fallback. */
export function captureRoom(index: number): string {
  let rest = index;
  const code = Array.from({ length: 7 }, () => {
    const letter = LETTERS[rest % 26]!;
    rest = Math.floor(rest / 26);
    return letter;
  }).join('');
  return `https://meet.google.com/sok-${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * Runs every planned session at its start time: the host's `session.upserted` (some twice under one webhook-id,
 * some out of order, some only pulled), clicks (single, double, on both instances at once), a capture after a
 * fallback, resends and `session.ended`. Resolves when every session's last request was answered; each request is
 * bounded (45 s, a few failovers), so this is too.
 */
export async function runLoad(world: World, plans: SessionPlan[], seed: number, log: (line: string) => void): Promise<LoadResult> {
  const requests = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as Record<RequestKind, number>;
  const clickMs: number[] = [];
  let connectionErrors = 0;
  const client = createClient(world, createRandom(seed), () => (connectionErrors += 1));
  const count = (kind: RequestKind) => (requests[kind] += 1);
  const started = performance.now();
  let finished = 0;
  const progress = setInterval(
    () => log(`load: ${finished}/${plans.length} sessions done, ${connectionErrors} connection errors so far`),
    15_000,
  );

  async function runSession(plan: SessionPlan, random: Random): Promise<SessionRecord> {
    const solver = world.solvers[plan.solver]!;
    const record: SessionRecord = {
      plan,
      upsertStatus: 0,
      expectedName: `Soak Customer ${plan.index}`,
      upsertOutcomes: [],
      links: [],
      fallbacks: 0,
      clickStatuses: [],
      resendsAccepted: 0,
      resendsUncertain: 0,
    };
    const session = (customerName: string, occurredAt: Date) => ({
      sessionId: plan.id,
      solverEmail: solver.email,
      customerName,
      customerPhone: plan.nationalPhone ? nationalFormat(plan.phone) : plan.phone,
      status: 'active',
      occurredAt: occurredAt.toISOString(),
    });
    const upserted = (answer: Answer) => {
      record.upsertStatus = answer.status;
      if (answer.status === 200) record.upsertOutcomes.push(String(answer.body?.outcome));
    };

    const now = new Date();
    if (plan.pulled) {
      count('session only at the host (pulled by the click)');
      world.host.putSession(session(record.expectedName, now) as never);
    } else if (plan.outOfOrder) {
      record.expectedName = `Soak Customer ${plan.index} (newer)`;
      count('session.upserted');
      upserted(await client.webhook('session.upserted', session(record.expectedName, now)));
      count('session.upserted older after newer');
      const older = await client.webhook(
        'session.upserted',
        session(`Soak Customer ${plan.index} (older)`, new Date(now.getTime() - 60_000)),
      );
      if (older.status === 200) record.upsertOutcomes.push(String(older.body?.outcome));
    } else {
      const options = { webhookId: `msg_soak_${plan.id}`, timestamp: now };
      const data = session(record.expectedName, now);
      count('session.upserted');
      if (plan.duplicateWebhook) {
        count('session.upserted twice at once, same webhook-id (both instances)');
        const [a, b] = world.instances;
        const answers = await Promise.all([
          client.webhook('session.upserted', data, { ...options, instance: a }),
          client.webhook('session.upserted', data, { ...options, instance: b ?? a }),
        ]);
        answers.forEach(upserted);
        if (answers.some((answer) => answer.status === 200)) record.upsertStatus = 200;
      } else upserted(await client.webhook('session.upserted', data, options));
    }
    if (!plan.pulled && record.upsertStatus !== 200) return record;

    const click = async (kind: RequestKind, instance?: (typeof world.instances)[number]) => {
      count(kind);
      const answer = await client.call(
        (api, request) => api.api.meet.links.$post({ json: { sessionId: plan.id } }, request),
        solver.token,
        {
          instance,
        },
      );
      record.clickStatuses.push(answer.status);
      if (answer.status === 200) {
        clickMs.push(answer.ms);
        if (answer.body.usedFallback) record.fallbacks += 1;
        else record.links.push(answer.body.meetLink);
      }
      return answer;
    };
    const first = await client.pick();
    if (plan.clicks === 'single') await click('click', first);
    else if (plan.clicks === 'double') await Promise.all([click('click', first), click('double click, same instance', first)]);
    else {
      const other = world.instances.find((instance) => instance !== first && instance.alive) ?? first;
      await Promise.all([click('click', first), click('second click at once on the other instance', other)]);
    }
    if (plan.pulled) record.upsertStatus = record.clickStatuses.includes(200) ? 200 : (record.clickStatuses[0] ?? 0);

    if (record.links.length === 0 && record.fallbacks > 0) {
      if (plan.retryAfterFallback) {
        await think(random, 500, 1500);
        await click('click again after a fallback');
      }
      if (record.links.length === 0) {
        record.captured = captureRoom(plan.index);
        count('capture after a fallback');
        const meetLink = record.captured;
        const answer = await client.call(
          (api, request) => api.api.meet.links[':sessionId'].capture.$post({ param: { sessionId: plan.id }, json: { meetLink } }, request),
          solver.token,
        );
        if (answer.status === 200) record.links.push(answer.body.meetLink);
      }
    }

    for (let n = 0; n < plan.resends && record.links.length > 0; n++) {
      await think(random, 300, 1500);
      const answer = await client.call(
        (api, request) => api.api.meet.links[':sessionId'].resend.$post({ param: { sessionId: plan.id } }, request),
        solver.token,
        { retry: false },
      );
      if (answer.status === 200) {
        count('resend answered 200 (a requested send)');
        record.resendsAccepted += 1;
      } else if (answer.status === 0) {
        count('resend without an answer (instance died)');
        record.resendsUncertain += 1;
      } else count('resend refused (4xx)');
    }

    if (plan.end) {
      await think(random, 500, 2500);
      count('session.ended');
      record.endStatus = (await client.webhook('session.ended', { sessionId: plan.id, occurredAt: new Date().toISOString() })).status;
    }
    return record;
  }

  try {
    const records = await Promise.all(
      plans.map(async (plan) => {
        await sleep(plan.startAtMs); // the arrival schedule: a clock on purpose
        const record = await runSession(plan, createRandom(seed * 7919 + plan.index));
        finished += 1;
        return record;
      }),
    );
    return { records, requests, clickMs, connectionErrors, seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(progress);
  }
}
