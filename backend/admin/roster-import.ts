import { CsvError, parse, type InfoRecord } from 'csv-parse/sync';
import { createSessionRequestSchema, createSolverRequestSchema, ERROR_CODES } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { ApiError } from '../http/errors.ts';
import { parseOrThrow } from '../http/validate.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { upsertSolver } from '../solvers/solver-upsert.ts';
import type { AdminService } from './service.ts';

// Backfill imports for the admin CLI (`solvers import`, `sessions import`): one transaction per row, so a bad row
// never stops the others, and idempotent (solvers are keyed by login email, sessions by SavvySolve's session id).

/** What happened to one CSV row. */
export type ImportRow = {
  /** The file line the row ends on (the header is line 1); its only line unless a quoted field spans lines. */
  line: number;
  /** The row's key as written: the solver's email or the session id ('' when the cell is empty). */
  key: string;
  outcome: 'created' | 'updated' | 'unchanged' | 'refused';
  /** Why the row was refused, or why a stored record was left as it is. */
  reason?: string;
};

export type SolverImportDeps = {
  db: Database;
  /** Called after a solver changed, so this instance's caches forget it at once. */
  onSolverChanged?: (id: string) => void;
  /** Revokes the realtime tokens of a solver a row took a permission from (in that row's transaction). */
  realtime?: Pick<RealtimeOutbox, 'revokeTokens'>;
};

const SOLVER_COLUMNS = ['name', 'email', 'employment', 'googleEmail'];
const SESSION_COLUMNS = ['sessionId', 'solverEmail', 'customerName', 'customerPhone'];
const OPTIONAL_SESSION_COLUMNS = ['status'];

type CsvRow = { line: number; cells: Record<string, string>; error?: CsvError };

// Keys and parts of cells reach the terminal: never a control character of the file's.
const printable = (text: string) =>
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

const invalid = (message: string) => new ApiError(400, ERROR_CODES.invalidRequest, message);

/**
 * Parses CSV text whose header names `required` (any order) and optionally `optional` columns.
 * @throws ApiError 400 for an empty file, a header with a missing, unknown or repeated column, or text that is not
 * CSV (e.g. an unclosed quote); all before any row is stored.
 */
function readCsv(text: string, required: readonly string[], optional: readonly string[] = []): CsvRow[] {
  const expected = `${required.join(',')}${optional.length ? ` and optionally ${optional.join(',')}` : ''}`;
  let sawHeader = false;
  const checkHeader = (header: string[]) => {
    sawHeader = true;
    const missing = required.filter((column) => !header.includes(column));
    const unknown = header.filter((column) => !required.includes(column) && !optional.includes(column));
    const repeated = header.filter((column, index) => header.indexOf(column) !== index);
    const problems = [
      missing.length && `missing: ${missing.join(', ')}`,
      unknown.length && `unknown: ${unknown.map((column) => JSON.stringify(column)).join(', ')}`,
      repeated.length && `repeated: ${repeated.join(', ')}`,
    ].filter(Boolean);
    if (problems.length > 0) {
      throw invalid(`The header (line 1) must name the columns ${expected} (${problems.join('; ')}). Nothing was imported.`);
    }
    return header;
  };
  let records: { record: Record<string, string>; info: InfoRecord }[];
  try {
    records = parse<{ record: Record<string, string>; info: InfoRecord }>(text, {
      // `columns: true`, with the header checked on the way.
      columns: checkHeader,
      trim: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
      // A row with too few or too many fields is refused on its own (below), not the whole file.
      relax_column_count: true,
    });
  } catch (error) {
    if (error instanceof CsvError) throw invalid(`The file is not valid CSV: ${printable(error.message)}. Nothing was imported.`);
    throw error;
  }
  if (!sawHeader) throw invalid(`The file is empty: its first line must be the header ${expected}.`);
  return records.map(({ record, info }) => ({ line: info.lines, cells: record, error: info.error }));
}

/**
 * Runs `store` for each row; an ApiError (bad field, unknown solver, repeated key, …) or a field count unlike the
 * header's refuses that row only.
 * @throws any other error (e.g. the database is down); rows before it stay stored.
 */
async function importRows(
  rows: CsvRow[],
  keyColumn: string,
  store: (row: CsvRow) => Promise<Pick<ImportRow, 'outcome' | 'reason'>>,
): Promise<ImportRow[]> {
  const results: ImportRow[] = [];
  for (const row of rows) {
    const key = row.cells[keyColumn] ?? '';
    if (row.error) {
      results.push({
        line: row.line,
        key,
        outcome: 'refused',
        reason: `the number of fields differs from the header's (${row.error.message})`,
      });
      continue;
    }
    try {
      results.push({ line: row.line, key, ...(await store(row)) });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      results.push({ line: row.line, key, outcome: 'refused', reason: error.message });
    }
  }
  return results;
}

/**
 * Imports a solver roster: CSV with the header `name,email,employment,googleEmail` (any order; an empty googleEmail
 * means none). Each row is validated like `POST /api/admin/solvers` and upserted by login email in its own
 * transaction; `onSolverChanged` runs after an update. Returns one result per row, in file order.
 * @throws ApiError 400 for an empty file, a bad header or invalid CSV (nothing stored); any database error.
 */
export async function importSolvers(deps: SolverImportDeps, csvText: string): Promise<ImportRow[]> {
  const seen = new Map<string, number>();
  return importRows(readCsv(csvText, SOLVER_COLUMNS), 'email', async ({ cells, line }) => {
    const input = parseOrThrow(createSolverRequestSchema, {
      name: cells.name,
      email: cells.email,
      employment: cells.employment,
      googleEmail: cells.googleEmail || null,
    });
    refuseRepeat(seen, input.email, line, 'email');
    const { id, outcome } = await deps.db.transaction(async (tx) => {
      const result = await upsertSolver(tx, input, 'admin');
      if (result.revoked) await deps.realtime?.revokeTokens(tx, { solverId: result.id });
      return result;
    });
    if (outcome === 'updated') deps.onSolverChanged?.(id);
    // `stale` needs an event time; an import has none.
    return { outcome: outcome === 'stale' ? 'unchanged' : outcome };
  });
}

/**
 * Imports sessions: CSV with the header `sessionId,solverEmail,customerName,customerPhone` and optionally `status`
 * (`active`, the default, or `ended`). Each row is validated like `POST /api/admin/sessions` and upserted by session id
 * through the admin service (phone read with DEFAULT_PHONE_REGION; the solver must exist). A session that has ended
 * is left as it is (`unchanged`, with the reason). Returns one result per row, in file order.
 * @throws ApiError 400 for an empty file, a bad header or invalid CSV (nothing stored); any database error.
 */
export async function importSessions(admin: Pick<AdminService, 'upsertSession'>, csvText: string): Promise<ImportRow[]> {
  const seen = new Map<string, number>();
  return importRows(readCsv(csvText, SESSION_COLUMNS, OPTIONAL_SESSION_COLUMNS), 'sessionId', async ({ cells, line }) => {
    const input = parseOrThrow(createSessionRequestSchema, {
      id: cells.sessionId,
      solverEmail: cells.solverEmail,
      customerName: cells.customerName,
      customerPhone: cells.customerPhone,
      status: cells.status || undefined,
    });
    // The schema lower-cases the id; a repeat of it in another spelling is still a repeat.
    refuseRepeat(seen, input.id ?? '', line, 'sessionId');
    const { outcome } = await admin.upsertSession(input);
    if (outcome === 'ended') return { outcome: 'unchanged', reason: 'the session has ended; an ended session is never changed' };
    return { outcome: outcome === 'stale' ? 'unchanged' : outcome };
  });
}

/**
 * Refuses a key already on an earlier line of this file: last-one-wins would flip the record on every run.
 * @throws ApiError 400 naming the earlier line.
 */
function refuseRepeat(seen: Map<string, number>, key: string, line: number, column: string) {
  const earlier = seen.get(key);
  if (earlier !== undefined) throw invalid(`${column}: already on line ${earlier}; give each ${column} once per file`);
  seen.set(key, line);
}

/**
 * Renders import results: one line per row (`line 3  ada@example.com  created`, reasons after a colon) and a summary
 * line with the count of each outcome, e.g. `4 rows: 2 created, 1 updated, 0 unchanged, 1 refused`.
 */
export function formatImport(rows: ImportRow[]): string {
  const keys = rows.map((row) => printable(row.key) || '—');
  const lineWidth = Math.max(0, ...rows.map((row) => String(row.line).length));
  const keyWidth = Math.max(0, ...keys.map((key) => key.length));
  const lines = rows.map(
    (row, index) =>
      `line ${String(row.line).padEnd(lineWidth)}  ${keys[index]!.padEnd(keyWidth)}  ${row.outcome}${row.reason ? `: ${printable(row.reason)}` : ''}`,
  );
  const count = (outcome: ImportRow['outcome']) => `${rows.filter((row) => row.outcome === outcome).length} ${outcome}`;
  const summary = `${rows.length} row${rows.length === 1 ? '' : 's'}: ${(['created', 'updated', 'unchanged', 'refused'] as const).map(count).join(', ')}`;
  return [...lines, summary].join('\n');
}
