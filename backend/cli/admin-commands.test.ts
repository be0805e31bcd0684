import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAdminWorld, type AdminWorld } from '../../test/support/admin-world.ts';
import { postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import { createAdminService, type AdminService } from '../admin/service.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { createHostEventOutbox } from '../host/host-event-outbox.ts';
import { createRealtimeOutbox } from '../realtime/outbox.ts';
import { createSessionViews } from '../sessions/session-views.ts';
import { needsJobQueue, runAdminCommand } from './admin-commands.ts';
import { noJobQueue } from './no-job-queue.ts';

const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('admin CLI commands on postgres');

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('admin CLI commands on %s', (kind, available) => {
  let world: AdminWorld;
  let database: DatabaseHandle;
  let admin: AdminService;

  beforeAll(async () => {
    if (!available) return;
    world = await openAdminWorld(kind);
    ({ database, admin } = world);
  });
  afterAll(async () => world?.close());
  beforeEach((context) => {
    if (!available) context.skip();
  });

  const run = (line: string, flags: Record<string, string | boolean> = {}) =>
    runAdminCommand(admin, line.split(' '), flags, { db: database.db });

  it('adds, updates and lists solvers with the admin API validation', async () => {
    const added = await run('solvers add', {
      name: 'Ada',
      email: 'Ada@Example.com',
      employment: 'employed',
      'google-email': 'ada@example.com',
    });
    expect(added).toMatch(/ada@example\.com\s+employed\s+ada@example\.com/);
    const id = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(added)![0];
    await expect(run('solvers add', { name: 'Ada 2', email: 'ada@example.com', employment: 'contract' })).rejects.toThrow(
      'A solver with email ada@example.com already exists.',
    );
    await expect(run('solvers add', { name: 'X', email: 'nope', employment: 'w2' })).rejects.toThrow(
      /email: must be an email address; employment/,
    );
    expect(await run(`solvers update ${id}`, { employment: 'contract', 'google-email': 'none' })).toMatch(
      /ada@example\.com\s+contract\s+—/,
    );
    expect(await run('solvers list')).toContain(id);
  });

  it('says who disabled a solver in the list, and enables them again', async () => {
    const id = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('solvers add', { name: 'Dora', email: 'dora@example.com', employment: 'employed' }),
    )![0];
    expect(await run(`solvers disable ${id}`)).toMatch(/dora@example\.com.*disabled by admin/);
    expect((await run('solvers list')).split('\n').find((line) => line.includes(id))).toMatch(/disabled by admin/);
    expect(await run(`solvers enable ${id}`)).toMatch(/dora@example\.com.*enabled/);
  });

  it('adds, lists, shows and ends sessions', async () => {
    const solverId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('solvers add', { name: 'Bob', email: 'bob@example.com', employment: 'employed' }),
    )![0];
    await expect(run('sessions add', { solver: solverId, 'customer-name': 'Grace', 'customer-phone': '555-1234' })).rejects.toThrow(
      /customerPhone: .*not a valid phone number/,
    );
    // SavvySolve's own id, the solver by login email, a national number (DEFAULT_PHONE_REGION US): an upsert.
    const hostId = '3f2b8c1e-7d4a-4e8b-9c2d-1a0b9c8d7e6f';
    const add = (name: string) =>
      run('sessions add', {
        id: hostId.toUpperCase(),
        solver: 'BOB@example.com',
        'customer-name': name,
        'customer-phone': '(415) 555-0199',
      });
    expect(await add('Grace')).toBe(`Added session ${hostId}`);
    expect(await add('Grace H.')).toBe(`Updated session ${hostId}`);
    expect(JSON.parse(await run(`sessions show ${hostId}`))).toMatchObject({ customerName: 'Grace H.', customerPhone: '+14155550199' });
    const sessionId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('sessions add', { solver: solverId, 'customer-name': 'Grace', 'customer-phone': '+14155550123' }),
    )![0];
    expect(await run('sessions list')).toMatch(new RegExp(`${sessionId}\\s+active\\s+Grace`));
    expect(JSON.parse(await run(`sessions show ${sessionId}`))).toMatchObject({ id: sessionId, customerPhone: '+14155550123' });
    expect(await run(`sessions end ${sessionId}`)).toBe(`Session ${sessionId} is ended.`);
    expect(await run('sessions list')).not.toContain(sessionId);
    expect(await run('sessions list', { all: true })).toMatch(new RegExp(`${sessionId}\\s+ended`));
    await expect(run('sessions end not-a-uuid')).rejects.toThrow('the id must be a UUID');
    await expect(run('sessions fly')).rejects.toThrow(/Unknown command "sessions fly"/);
    expect(await run('database migrate')).toBe('The database schema is up to date.');
  });

  it("takes a solver's login email wherever it takes a solver id", async () => {
    await run('solvers add', { name: 'Dee', email: 'dee@example.com', employment: 'employed' });
    expect(await run('solvers update DEE@example.com', { employment: 'contract' })).toMatch(/dee@example\.com\s+contract/);
    expect(await run('solvers disable dee@example.com')).toMatch(/dee@example\.com\s+contract\s+—\s+disabled/);
    expect(await run('solvers enable dee@example.com')).toMatch(/dee@example\.com\s+contract\s+—\s+enabled/);
    await run('sessions add', { solver: 'dee@example.com', 'customer-name': 'Ned', 'customer-phone': '+14155550188' });
    expect(await run('sessions list', { solver: 'dee@example.com' })).toMatch(/active\s+Ned/);
    await expect(run('solvers disable nobody@example.com')).rejects.toThrow('No solver has the email nobody@example.com');
    await expect(run('sessions list', { solver: 'not-an-id' })).rejects.toThrow('the id must be a UUID');
  });

  it("erases one customer's name and number now, with the counts", async () => {
    await run('solvers add', { name: 'Cy', email: 'cy@example.com', employment: 'employed' });
    const sessionId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('sessions add', { solver: 'cy@example.com', 'customer-name': 'Ida', 'customer-phone': '+14155550177' }),
    )![0];
    await expect(run('customers erase')).rejects.toThrow(/^phone: /);
    await expect(run('customers erase', { phone: '555' })).rejects.toThrow(/^phone: .*not a valid phone number/);
    expect(await run('customers erase', { phone: '(415) 555-0177' })).toBe(
      'Erased: 1 sessions, 0 SMS, 0 SavvySolve events (the audit trail is kept).',
    );
    expect(JSON.parse(await run(`sessions show ${sessionId}`))).toMatchObject({ customerName: '(erased)', customerPhone: '' });
    expect(await run('customers erase', { phone: '+14155550177' })).toMatch(/^Erased: 0 sessions, 0 SMS, 0 SavvySolve events/);
  });

  it('reads solvers and sessions without the job queue, which the CLI does not start for them', async () => {
    await run('solvers add', { name: 'Rae', email: 'rae@example.com', employment: 'employed' });
    const sessionId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(
      await run('sessions add', { solver: 'rae@example.com', 'customer-name': 'Lu', 'customer-phone': '+14155550166' }),
    )![0];
    // Realtime and SavvySolve events on: a command that queued anything would throw.
    const queue = noJobQueue('test');
    const readOnly = createAdminService({
      db: database.db,
      queue,
      deadLetters: queue.deadLetters,
      realtime: createRealtimeOutbox(queue, true),
      hostEvents: createHostEventOutbox(queue, true),
      views: createSessionViews(database.db),
      defaultPhoneRegion: 'US',
    });
    const read = (line: string, flags: Record<string, string | boolean> = {}) => {
      expect(needsJobQueue(line.split(' ')), line).toBe(false);
      return runAdminCommand(readOnly, line.split(' '), flags, { db: database.db });
    };
    expect(await read('solvers list')).toContain('rae@example.com');
    expect(await read('sessions list', { all: true, solver: 'rae@example.com' })).toMatch(/active\s+Lu/);
    expect(JSON.parse(await read(`sessions show ${sessionId}`))).toMatchObject({ id: sessionId, customerName: 'Lu' });
    // Every other command starts it, and this stand-in refuses to be used.
    for (const line of ['solvers disable', 'sessions end', 'database migrate', 'jobs failed', 'customers erase'])
      expect(needsJobQueue(line.split(' ')), line).toBe(true);
    await expect(runAdminCommand(readOnly, ['solvers', 'disable', 'rae@example.com'], {}, { db: database.db })).rejects.toThrow(
      'runs without the job queue, but used it',
    );
  });

  describe('imports', () => {
    let dir: string;
    beforeAll(async () => {
      if (available) dir = await mkdtemp(join(tmpdir(), 'admin-import-'));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    const file = async (name: string, ...lines: string[]) => {
      const path = join(dir, name);
      await writeFile(path, `${lines.join('\n')}\n`);
      return path;
    };

    it('imports a roster from a file: one line per row, a summary, idempotent', async () => {
      const roster = await file(
        'roster.csv',
        'name,email,employment,googleEmail',
        'Cleo,cleo@example.com,employed,cleo@gmail.com',
        'Dan,dan@example.com,contract,',
        'Eli,eli@,employed,',
      );
      expect(await run(`solvers import ${roster}`)).toBe(
        [
          'line 2  cleo@example.com  created',
          'line 3  dan@example.com   created',
          'line 4  eli@              refused: email: must be an email address',
          '3 rows: 2 created, 0 updated, 0 unchanged, 1 refused',
        ].join('\n'),
      );
      expect(await run(`solvers import ${roster}`)).toMatch(
        /line 2 {2}cleo@example\.com {2}unchanged\n.*\n.*\n3 rows: 0 created, 0 updated, 2 unchanged, 1 refused$/,
      );
      await file('roster.csv', 'name,email,employment,googleEmail', 'Dan,dan@example.com,employed,');
      expect(await run(`solvers import ${roster}`)).toBe(
        ['line 2  dan@example.com  updated', '1 row: 0 created, 1 updated, 0 unchanged, 0 refused'].join('\n'),
      );
      expect(await run('solvers list')).toMatch(/dan@example\.com\s+employed/);
    });

    it('imports sessions from a file', async () => {
      const id = '5a5a5a5a-5a5a-4a5a-8a5a-5a5a5a5a5a5a';
      const sessions = await file(
        'sessions.csv',
        'sessionId,solverEmail,customerName,customerPhone,status',
        `${id},cleo@example.com,Hedy,(415) 555-0142,ended`,
        `6b6b6b6b-6b6b-4b6b-8b6b-6b6b6b6b6b6b,cleo@example.com,Ida,555-1234,`,
      );
      expect(await run(`sessions import ${sessions}`)).toBe(
        [
          `line 2  ${id}  created`,
          'line 3  6b6b6b6b-6b6b-4b6b-8b6b-6b6b6b6b6b6b  refused: customerPhone: …1234 is not a valid phone number in US',
          '2 rows: 1 created, 0 updated, 0 unchanged, 1 refused',
        ].join('\n'),
      );
      expect(await run('sessions list', { all: true })).toMatch(new RegExp(`${id}\\s+ended\\s+Hedy`));
    });

    it('refuses a missing file, no file argument and a bad header, storing nothing', async () => {
      await expect(run(`solvers import ${join(dir, 'nope.csv')}`)).rejects.toThrow(`Cannot read ${join(dir, 'nope.csv')}: no such file`);
      await expect(run('sessions import')).rejects.toThrow('Give the CSV file: sessions import sessions.csv');
      const before = await run('solvers list');
      const bad = await file('bad.csv', 'name,email', 'Fred,fred@example.com');
      await expect(run(`solvers import ${bad}`)).rejects.toThrow(
        'The header (line 1) must name the columns name,email,employment,googleEmail (missing: employment, googleEmail). Nothing was imported.',
      );
      expect(await run('solvers list')).toBe(before);
    });
  });
});
