/// <reference types="chrome" />
import { mkdirSync } from 'node:fs';
import { eq, like, sql } from 'drizzle-orm';
import { meetSpaces, webhookReceipts } from '../../backend/db/schema.ts';
import { SidePanel } from './pages/side-panel.ts';
import { ADA } from './support/e2e-stack.ts';
import { ARTIFACTS_DIR } from './support/extension-browser.ts';
import { expect, test } from './support/fixtures.ts';

/** Screenshots go with the other artifacts, or where E2E_SHOTS_DIR says (e.g. /tmp/shots). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? ARTIFACTS_DIR;
/** Polling "effectively off": the session's next attendance poll is at least this far away (the reconcile cadence is 15 min). */
const POLL_OFF_MS = 4 * 60_000;

test.use({ suite: { name: 'meet-events', stack: { ably: true, meetEvents: true } } });
test.describe.configure({ mode: 'serial' });

let panel: SidePanel;
let graceId: string;

test.beforeAll(async ({ stack, extension }) => {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const adaId = await stack.api.createSolver({ ...ADA, employment: 'employed', googleEmail: ADA.email });
  graceId = await stack.api.createSession({ solverId: adaId, customerName: 'Grace Hopper', customerPhone: '+14155550123' });
  // The panel does not poll: what it learns, it learns from Ably (and the backend from the pushed Meet events).
  await extension.evaluate(() => chrome.storage.local.set({ sessionsPollIntervalMs: 0 }), undefined);
  panel = await SidePanel.open(extension);
  await expect(panel.signInButton.or(panel.accountName)).toBeVisible();
  if (await panel.signInButton.isVisible()) await panel.signIn();
  await expect(panel.accountName).toBeVisible();
});

test.describe('attendance pushed by Workspace Events (MEET_ATTENDANCE_SOURCE=events, Pub/Sub push emulated)', () => {
  test('shows "Customer in the call" within 1 s of the push, then the customer leaving and the call ending', async ({ stack }) => {
    test.setTimeout(90_000);
    const { google } = stack.emulators;
    const db = stack.backend.database.db;
    const grace = panel.card('Grace Hopper');
    const callLine = grace.getByTestId('session-call');

    const code = await panel.startMeet('Grace Hopper');
    await expect(callLine).toHaveText('Waiting for the customer · SMS delivered just now', { timeout: 20_000 });

    // The space's subscription is active, and the session's poll chain has moved to the 15-minute reconcile cadence.
    const [space] = await db.select().from(meetSpaces).where(eq(meetSpaces.sessionId, graceId));
    expect(google.workspaceEvents.subscriptions().map((subscription) => subscription.targetResource)).toContain(
      `//meet.googleapis.com/${space!.spaceName}`,
    );
    const nextPollInMs = async () => {
      const result = await db.execute(sql`
        select extract(epoch from (start_after - now())) * 1000 as ms from pgboss.job
        where name = 'meet.attendance-poll' and state = 'created' and data->>'sessionId' = ${graceId}`);
      const rows = (Array.isArray(result) ? result : (result as { rows: { ms: number }[] }).rows) as { ms: number }[];
      return rows.length === 1 ? Number(rows[0]!.ms) : Number.NaN;
    };
    await expect.poll(nextPollInMs, { message: 'the next poll on the reconcile cadence', timeout: 10_000 }).toBeGreaterThan(POLL_OFF_MS);
    const pollSeq = async () => (await db.select().from(meetSpaces).where(eq(meetSpaces.sessionId, graceId)))[0]!.pollSeq;
    const polledBefore = await pollSeq();

    // Ada opens the call first (conference started, Ada joined: pushed, applied, still waiting for the customer).
    const ada = { kind: 'signedin' as const, userId: google.googleAccountIdFor(ADA.email), displayName: 'Ada' };
    google.meet.join(code, ada);
    await google.pubsub.idle();
    await expect(callLine).toHaveText(/^Waiting for the customer/);

    /**
     * Plays `change` in the emulated Meet, expects `text` in the panel within 1 s, and returns the time from the push
     * that applied it (the one whose receipt is `applied`: a poll that had seen the change first would leave every
     * push `unchanged`) to the text shown, and how long the backend took to answer that push, in ms.
     */
    const pushedWithin1s = async (change: () => void, text: RegExp) => {
      const before = google.pubsub.attempts().length;
      change();
      await expect(callLine).toHaveText(text, { timeout: 1_000 });
      const shownAt = Date.now();
      await google.pubsub.idle();
      const pushes = google.pubsub.attempts().slice(before);
      expect(pushes.map((attempt) => attempt.status)).toEqual(pushes.map(() => 204));
      const receipts = await db.select().from(webhookReceipts).where(like(webhookReceipts.webhookId, 'meet-event:%'));
      const applied = new Set(receipts.filter((row) => row.outcome === 'applied').map((row) => row.webhookId));
      const push = pushes.find((attempt) => applied.has(`meet-event:${attempt.ceId}`));
      expect(push, `a push applied the change (pushed: ${pushes.map((attempt) => attempt.type).join(', ')})`).toBeDefined();
      return { type: push!.type, pushToShownMs: shownAt - push!.sentAt, pushAnsweredMs: push!.at - push!.sentAt };
    };

    const customer = { kind: 'anonymous' as const, displayName: 'Grace' };
    const joined = await pushedWithin1s(() => google.meet.join(code, customer), /^Customer in the call/);
    expect(joined.type).toBe('google.workspace.meet.participant.v2.joined');
    console.log(
      `[meet-events] customer joins → "Customer in the call" in the side panel: ${joined.pushToShownMs} ms from the push (push answered in ${joined.pushAnsweredMs} ms)`,
    );
    expect(joined.pushToShownMs).toBeLessThan(1_000);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/meet-events-in-call.png` });

    const left = await pushedWithin1s(() => google.meet.leave(code, customer), /^Customer left · just now$/);
    console.log(`[meet-events] customer leaves → "Customer left" in the side panel: ${left.pushToShownMs} ms from the push`);
    expect(left.pushToShownMs).toBeLessThan(1_000);

    const ended = await pushedWithin1s(() => google.meet.endCall(code), /^Call ended/);
    console.log(`[meet-events] call ends → "Call ended" in the side panel: ${ended.pushToShownMs} ms from the push (${ended.type})`);
    expect(ended.pushToShownMs).toBeLessThan(1_000);
    await panel.page.screenshot({ path: `${SHOTS_DIR}/meet-events-ended.png` });

    // No attendance poll of this session ran meanwhile: everything the panel showed came from the pushes.
    expect(await pollSeq()).toBe(polledBefore);
  });
});
