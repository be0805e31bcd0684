import {
  createSessionRequestSchema,
  createSolverRequestSchema,
  eraseCustomerRequestSchema,
  updateSolverRequestSchema,
  type Solver,
} from '../../shared/index.ts';
import { readFile } from 'node:fs/promises';
import { formatImport, importSessions, importSolvers, type SolverImportDeps } from '../admin/roster-import.ts';
import type { AdminService } from '../admin/service.ts';
import { ApiError } from '../http/errors.ts';
import { parseOrThrow } from '../http/validate.ts';
import { z } from 'zod';
import { formatTable } from './table.ts';

export const ADMIN_USAGE = `Usage: npm run admin -- <command> [options]

  solvers list
  solvers add --name <name> --email <email> --employment employed|contract [--google-email <email>]
  solvers update <solver-id|email> [--name …] [--email …] [--employment …] [--google-email <email>|none]
  solvers disable <solver-id|email>  no sign-in, and tokens already issued stop working
  solvers enable <solver-id|email>
  solvers import <roster.csv>     CSV header: name,email,employment,googleEmail (googleEmail may be empty)
  sessions list [--all] [--solver <solver-id|email>]
  sessions add --solver <solver-id|email> --customer-name <name> --customer-phone <number> [--id <savvysolve-session-id>]
  sessions show <session-id>
  sessions end <session-id>
  sessions import <sessions.csv>  CSV header: sessionId,solverEmail,customerName,customerPhone[,status]
                                  (status: active, the default, or ended)
  database migrate                 apply pending migrations (every command does; this one does only that)
  customers erase --phone <number> erase that customer's name and number from every session, SMS and event now
  jobs failed                     jobs that exhausted their retries (the dead-letter queue)
  jobs retry <job-id>             queue a failed job again, with its queue's full retry policy
  policy --format json|admin-console|reg|mobileconfig …
                                  Chrome policy files for the extension (npm run admin -- policy --help)

Imports are idempotent (solvers keyed by email, sessions by id): each row prints created, updated, unchanged or
refused (with the reason and its line), then a summary; a refused row does not stop the others.

Uses DATABASE_URL, or the embedded database in PGLITE_DATA_DIR (default .data/pglite; stop \`npm start\` first,
PGlite allows one process at a time).`;

export type Flags = Record<string, string | boolean | undefined>;

/** Commands that only read the app's tables: the CLI runs them without starting the job queue. */
const READ_ONLY_COMMANDS = new Set(['solvers list', 'sessions list', 'sessions show']);

/**
 * Whether the command in `words` needs the job queue: every command that writes does (its jobs are queued in its
 * own transaction), and `database migrate` (pg-boss migrates its schema as it starts) and `jobs …` (pg-boss's tables).
 */
export const needsJobQueue = (words: string[]): boolean => !READ_ONLY_COMMANDS.has(`${words[0]} ${words[1]}`);
const id = z.uuid('the id must be a UUID');

const solverRows = (solvers: Solver[]) =>
  formatTable(
    solvers.map((solver) => ({
      id: solver.id,
      name: solver.name,
      email: solver.email,
      employment: solver.employment,
      'google email': solver.googleEmail,
      state: solver.disabled ? `disabled by ${solver.disabledBy ?? 'admin'}` : 'enabled',
    })),
    ['id', 'name', 'email', 'employment', 'google email', 'state'],
  );

/** A solver named by id or by login email. @throws ApiError 400 for neither, 404 for an unknown email. */
const solverId = async (admin: AdminService, value: string | undefined) =>
  value?.includes('@') ? admin.solverIdFor(value) : parseOrThrow(id, value);

const text = (flags: Flags, name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);

/** The CSV file an import names. @throws ApiError 400 when it is not given or cannot be read. */
async function readCsvFile(path: string | undefined, example: string): Promise<string> {
  if (!path) throw new ApiError(400, 'invalid_request', `Give the CSV file: ${example}`);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ApiError(400, 'invalid_request', `Cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`);
  }
}

/**
 * Runs one admin command with the same validation and messages as the admin API; returns what to print.
 * `importDeps` is what `solvers import` stores with (the database, and the cache eviction of a running instance).
 * @throws ApiError for a bad command, argument or file (print its message, exit non-zero).
 */
export async function runAdminCommand(admin: AdminService, words: string[], flags: Flags, importDeps: SolverImportDeps): Promise<string> {
  const [noun, verb, target] = words;
  switch (`${noun} ${verb}`) {
    case 'solvers list':
      return solverRows(await admin.listSolvers());
    case 'solvers add': {
      const input = parseOrThrow(createSolverRequestSchema, {
        name: text(flags, 'name'),
        email: text(flags, 'email'),
        employment: text(flags, 'employment'),
        googleEmail: text(flags, 'google-email'),
      });
      return `Added solver:\n${solverRows([await admin.createSolver(input)])}`;
    }
    case 'solvers update': {
      const googleEmail = text(flags, 'google-email');
      const changes = Object.fromEntries(
        Object.entries({
          name: text(flags, 'name'),
          email: text(flags, 'email'),
          employment: text(flags, 'employment'),
          googleEmail: googleEmail === 'none' ? null : googleEmail,
        }).filter(([, value]) => value !== undefined),
      );
      const solver = await admin.updateSolver(await solverId(admin, target), parseOrThrow(updateSolverRequestSchema, changes));
      return `Updated solver:\n${solverRows([solver])}`;
    }
    case 'solvers disable':
    case 'solvers enable': {
      const solver = await admin.updateSolver(await solverId(admin, target), { disabled: verb === 'disable' });
      return `${verb === 'disable' ? 'Disabled (signed out everywhere within a second)' : 'Enabled'}:\n${solverRows([solver])}`;
    }
    case 'solvers import':
      return formatImport(await importSolvers(importDeps, await readCsvFile(target, 'solvers import roster.csv')));
    case 'sessions list': {
      const solver = text(flags, 'solver');
      const sessions = await admin.listSessions({
        includeEnded: flags.all === true,
        solverId: solver ? await solverId(admin, solver) : undefined,
      });
      return formatTable(
        sessions.map((session) => ({
          id: session.id,
          status: session.status,
          customer: session.customerName,
          'meet link': session.meetLink,
          source: session.meetLinkSource,
          sms: session.sms ? `${session.sms.status}${session.sms.error ? ` (${session.sms.error})` : ''}` : null,
        })),
        ['id', 'status', 'customer', 'meet link', 'source', 'sms'],
      );
    }
    case 'sessions add': {
      const solver = text(flags, 'solver');
      const input = parseOrThrow(createSessionRequestSchema, {
        id: text(flags, 'id'),
        ...(solver?.includes('@') ? { solverEmail: solver } : { solverId: solver }),
        customerName: text(flags, 'customer-name'),
        customerPhone: text(flags, 'customer-phone'),
      });
      const { id, outcome } = await admin.upsertSession(input);
      return `${outcome === 'created' ? 'Added' : outcome === 'ended' ? 'Left ended' : 'Updated'} session ${id}`;
    }
    case 'sessions import':
      return formatImport(await importSessions(admin, await readCsvFile(target, 'sessions import sessions.csv')));
    case 'sessions show':
      return JSON.stringify(await admin.getSession(parseOrThrow(id, target)), null, 2);
    case 'sessions end': {
      const session = await admin.endSession(parseOrThrow(id, target));
      return `Session ${session.id} is ${session.status}${session.calendarEventId ? '; its Calendar event will be ended by the next running backend' : ''}.`;
    }
    case 'jobs failed': {
      const jobs = await admin.listFailedJobs();
      if (jobs.length === 0) return 'No failed jobs.';
      return formatTable(
        jobs.map((job) => ({
          id: job.id,
          queue: job.queue,
          attempts: String(job.attempts),
          'failed at': job.failedAt.toISOString(),
          reason: job.reason,
          data: JSON.stringify(job.data),
        })),
        ['id', 'queue', 'attempts', 'failed at', 'reason', 'data'],
      );
    }
    case 'jobs retry': {
      const { queue } = await admin.retryFailedJob(parseOrThrow(id, target));
      return `Queued again on ${queue}: a backend with workers runs it at its next poll.`;
    }
    case 'database migrate':
      // The CLI opened the database with its migrations applied (backend/db/client.ts) before running any command.
      return 'The database schema is up to date.';
    case 'customers erase': {
      const { erased } = await admin.eraseCustomer(parseOrThrow(eraseCustomerRequestSchema, { phone: text(flags, 'phone') }).phone);
      return `Erased: ${erased.sessions} sessions, ${erased.smsDeliveries} SMS, ${erased.hostEvents} SavvySolve events (the audit trail is kept).`;
    }
    default:
      throw new ApiError(400, 'invalid_request', `Unknown command "${words.join(' ')}".\n\n${ADMIN_USAGE}`);
  }
}
