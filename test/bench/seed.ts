import { randomUUID } from 'node:crypto';
import type { Database } from '../../backend/db/client.ts';
import { auditEvents, sessions, smsDeliveries, solvers } from '../../backend/db/schema.ts';
import { meetSmsBody } from '../../shared/index.ts';
import { solverEmail } from './world.ts';

/** Bulk rows straight into the app's tables (the admin API would take minutes for 10 000 sessions). */

const CHUNK = 500;

async function inChunks<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) await insert(rows.slice(start, start + CHUNK));
}

export const customerPhone = (n: number) => `+1415${String(5_000_000 + (n % 5_000_000)).padStart(7, '0')}`;

export type SeededSolver = { id: string; index: number; name: string; email: string };

/** Employed solvers with delegation (emails `solverEmail(index)`), indexes `first … first+count-1`. */
export async function seedSolvers(db: Database, first: number, count: number): Promise<SeededSolver[]> {
  const rows = Array.from({ length: count }, (_, offset) => {
    const index = first + offset;
    return {
      id: randomUUID(),
      index,
      name: `Bench Solver ${index}`,
      email: solverEmail(index),
    };
  });
  await inChunks(rows, (chunk) =>
    db
      .insert(solvers)
      .values(
        chunk.map((row) => ({ id: row.id, name: row.name, email: row.email, googleEmail: row.email, employment: 'employed' as const })),
      ),
  );
  return rows;
}

/** Active sessions without a link, ready to be escalated; in the order of `solverIds`, `perSolver` each. */
export async function seedFreshSessions(db: Database, solverIds: string[], perSolver: number): Promise<Map<string, string[]>> {
  const bySolver = new Map<string, string[]>();
  const rows: (typeof sessions.$inferInsert)[] = [];
  let n = 0;
  for (const solverId of solverIds) {
    const ids = Array.from({ length: perSolver }, () => randomUUID());
    bySolver.set(solverId, ids);
    for (const id of ids) rows.push({ id, solverId, customerName: `Customer ${n}`, customerPhone: customerPhone(n++) });
  }
  await inChunks(rows, (chunk) => db.insert(sessions).values(chunk));
  return bySolver;
}

/**
 * Past sessions as production accumulates them: ended, with a Calendar link, one accepted SMS and their audit
 * trail (created, link created, ended), so every table the click path touches grows with them.
 */
export async function seedStoredSessions(db: Database, solver: SeededSolver, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, n) => {
    const id = randomUUID();
    const meetLink = `https://meet.google.com/${code(n)}`;
    const at = new Date(Date.now() - (count - n) * 60_000);
    return { id, meetLink, at, phone: customerPhone(n) };
  });
  await inChunks(rows, async (chunk) => {
    await db.insert(sessions).values(
      chunk.map((row, n) => ({
        id: row.id,
        solverId: solver.id,
        customerName: `Past customer ${n}`,
        customerPhone: row.phone,
        status: 'ended' as const,
        meetLink: row.meetLink,
        meetLinkSource: 'calendar' as const,
        meetLinkCreatedAt: row.at,
        calendarEventId: row.id.replaceAll('-', '').slice(0, 26).replace(/[w-z]/g, 'v'),
        calendarId: solver.email,
        endedAt: row.at,
        createdAt: row.at,
      })),
    );
    await db.insert(smsDeliveries).values(
      chunk.map((row) => ({
        sessionId: row.id,
        toNumber: row.phone,
        body: meetSmsBody(solver.name, row.meetLink),
        status: 'accepted' as const,
        twilioSid: `SM${randomUUID().replaceAll('-', '')}`,
        attempts: 1,
        createdAt: row.at,
        updatedAt: row.at,
      })),
    );
    await db.insert(auditEvents).values(
      chunk.flatMap((row) =>
        (['session.created', 'meet_link.created', 'session.ended'] as const).map((action) => ({
          sessionId: row.id,
          solverId: solver.id,
          actor: action === 'meet_link.created' ? `solver:${solver.id}` : 'admin',
          action,
          details: {},
          createdAt: row.at,
        })),
      ),
    );
  });
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
function code(n: number): string {
  const letter = (k: number) => LETTERS[(n * 7 + k * 13) % 26];
  return `${letter(1)}${letter(2)}${letter(3)}-${letter(4)}${letter(5)}${letter(6)}${letter(7)}-${letter(8)}${letter(9)}${letter(10)}`;
}
