import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAdminWorld, type AdminWorld } from '../../test/support/admin-world.ts';
import { postgresAvailable, warnPostgresSkipped } from '../../test/support/postgres.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { formatImport, importSessions, importSolvers, type ImportRow } from './roster-import.ts';
import type { AdminService } from './service.ts';

const hasPostgres = await postgresAvailable();
if (!hasPostgres) warnPostgresSkipped('roster import on postgres');

const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
const outcomes = (rows: ImportRow[]) => rows.map(({ line, key, outcome }) => `${line} ${key} ${outcome}`);

describe.each([
  ['pglite', true],
  ['postgres', hasPostgres],
] as const)('roster import on %s', (kind, available) => {
  let world: AdminWorld;
  let database: DatabaseHandle;
  let admin: AdminService;
  const evicted: string[] = [];
  const solverDeps = () => ({ db: database.db, onSolverChanged: (id: string) => evicted.push(id) });

  beforeAll(async () => {
    if (!available) return;
    world = await openAdminWorld(kind);
    ({ database, admin } = world);
  });
  afterAll(async () => world?.close());
  beforeEach((context) => {
    if (!available) context.skip();
  });

  it('imports a roster idempotently: created, then unchanged, then updated for a changed row', async () => {
    const roster = csv(
      '\uFEFFname,email,employment,googleEmail', // Excel's byte-order mark, columns as documented
      'Ada Lovelace,Ada@Example.com,employed,ada.l@gmail.com',
      '',
      '  Bob Byte , bob@example.com ,contract,',
    );
    expect(outcomes(await importSolvers(solverDeps(), roster))).toEqual(['2 Ada@Example.com created', '4 bob@example.com created']);
    expect(outcomes(await importSolvers(solverDeps(), roster))).toEqual(['2 Ada@Example.com unchanged', '4 bob@example.com unchanged']);
    const bob = (await admin.listSolvers()).find((solver) => solver.email === 'bob@example.com')!;
    expect(bob).toMatchObject({ name: 'Bob Byte', employment: 'contract', googleEmail: null });

    // Columns in another order; Bob is now employed.
    const changed = csv(
      'email,name,googleEmail,employment',
      'ada@example.com,Ada Lovelace,ada.l@gmail.com,employed',
      'bob@example.com,Bob Byte,,employed',
    );
    expect(outcomes(await importSolvers(solverDeps(), changed))).toEqual(['2 ada@example.com unchanged', '3 bob@example.com updated']);
    expect(evicted).toEqual([bob.id]);
    expect((await admin.listSolvers()).find((solver) => solver.id === bob.id)).toMatchObject({ employment: 'employed' });
  });

  it('revokes the realtime tokens of a solver a row takes a permission from, and only theirs', async () => {
    const revoked: string[] = [];
    const deps = {
      ...solverDeps(),
      realtime: { revokeTokens: async (_tx: unknown, { solverId }: { solverId: string }) => void revoked.push(solverId) },
    };
    await importSolvers(
      deps,
      csv(
        'name,email,employment,googleEmail',
        'Cy Realtime,cy@example.com,employed,cy@example.com',
        'Di Realtime,di@example.com,employed,',
      ),
    );
    const switched = await importSolvers(
      deps,
      csv('name,email,employment,googleEmail', 'Cy Realtime,cy@example.com,contract,cy@example.com', 'Di Renamed,di@example.com,employed,'),
    );
    expect(outcomes(switched)).toEqual(['2 cy@example.com updated', '3 di@example.com updated']);
    const cy = (await admin.listSolvers()).find((solver) => solver.email === 'cy@example.com')!;
    expect(revoked).toEqual([cy.id]);
  });

  it('refuses bad solver rows with the reason and the line, and stores the good ones', async () => {
    const rows = await importSolvers(
      solverDeps(),
      csv(
        'name,email,employment,googleEmail',
        'Cy,not-an-email,employed,',
        'Dee,dee@example.com,w2,',
        'Ev\u0007e,eve@example.com,employed,',
        'Fay,fay@example.com,contract,fay-at-gmail',
        'Gus,gus@example.com,employed,',
        'Gus Again,GUS@example.com,contract,',
        'Hal,hal@example.com',
        ',,,',
      ),
    );
    expect(rows).toEqual([
      { line: 2, key: 'not-an-email', outcome: 'refused', reason: 'email: must be an email address' },
      { line: 3, key: 'dee@example.com', outcome: 'refused', reason: expect.stringMatching(/^employment: /) },
      { line: 4, key: 'eve@example.com', outcome: 'refused', reason: 'name: name must not contain control characters' },
      { line: 5, key: 'fay@example.com', outcome: 'refused', reason: 'googleEmail: must be an email address' },
      { line: 6, key: 'gus@example.com', outcome: 'created' },
      { line: 7, key: 'GUS@example.com', outcome: 'refused', reason: 'email: already on line 6; give each email once per file' },
      {
        line: 8,
        key: 'hal@example.com',
        outcome: 'refused',
        reason: expect.stringMatching(/^the number of fields differs from the header's/),
      },
      {
        line: 9,
        key: '',
        outcome: 'refused',
        reason: expect.stringMatching(/name: name is required; email: must be an email address; employment: /),
      },
    ]);
    const emails = (await admin.listSolvers()).map((solver) => solver.email);
    expect(emails).toContain('gus@example.com');
    expect(emails.filter((email) => /^(dee|eve|fay|hal)@/.test(email))).toEqual([]);
    expect((await admin.listSolvers()).find((solver) => solver.email === 'gus@example.com')).toMatchObject({ name: 'Gus' });
  });

  it('refuses a bad header, an empty file and text that is not CSV, storing nothing', async () => {
    const before = (await admin.listSolvers()).length;
    await expect(importSolvers(solverDeps(), csv('name,email,employment', 'Ivy,ivy@example.com,employed'))).rejects.toThrow(
      'The header (line 1) must name the columns name,email,employment,googleEmail (missing: googleEmail). Nothing was imported.',
    );
    await expect(
      importSolvers(solverDeps(), csv('name,mail,employment,googleEmail,email', 'Ivy,x,employed,,ivy@example.com')),
    ).rejects.toThrow('(unknown: "mail")');
    await expect(importSolvers(solverDeps(), csv('name,email,email,employment,googleEmail'))).rejects.toThrow('(repeated: email)');
    await expect(importSolvers(solverDeps(), '\n\n')).rejects.toThrow(
      'The file is empty: its first line must be the header name,email,employment,googleEmail.',
    );
    await expect(
      importSolvers(
        solverDeps(),
        csv('name,email,employment,googleEmail', 'Ivy,ivy@example.com,employed,', '"Jo,jo@example.com,employed,'),
      ),
    ).rejects.toThrow(/^The file is not valid CSV: Quote Not Closed.*Nothing was imported\.$/);
    expect(await admin.listSolvers()).toHaveLength(before);
    expect(await importSolvers(solverDeps(), csv('name,email,employment,googleEmail'))).toEqual([]);
  });

  it('imports sessions: created, unchanged on a second run, ended rows, and refused rows with reasons', async () => {
    await importSolvers(solverDeps(), csv('name,email,employment,googleEmail', 'Kim,kim@example.com,employed,'));
    const [s1, s2, s3, s4] = [
      '11111111-1111-4111-8111-111111111111',
      '22222222-2222-4222-8222-222222222222',
      '33333333-3333-4333-8333-333333333333',
      '44444444-4444-4444-8444-444444444444',
    ];
    const file = csv(
      'sessionId,solverEmail,customerName,customerPhone,status',
      `${s1},KIM@example.com,Grace,(415) 555-0199,`,
      `${s2},kim@example.com,Alan,+44 20 7946 0958,ended`,
      `${s3},nobody@example.com,Linus,+14155550123,active`,
      `${s4},kim@example.com,Barbara,555-1234,`,
      `not-a-uuid,kim@example.com,Ken,+14155550123,`,
      `${s1.toUpperCase()},kim@example.com,Grace Again,+14155550199,`,
      `${s1.replace(/1$/, '5')},kim@example.com,Margaret,+14155550123,paused`,
    );
    const expected = (first: 'created' | 'unchanged', second: 'created' | 'unchanged') => [
      { line: 2, key: s1, outcome: first },
      ...(second === 'created'
        ? [{ line: 3, key: s2, outcome: 'created' }]
        : [{ line: 3, key: s2, outcome: 'unchanged', reason: 'the session has ended; an ended session is never changed' }]),
      { line: 4, key: s3, outcome: 'refused', reason: 'solverEmail: no solver has this email' },
      { line: 5, key: s4, outcome: 'refused', reason: 'customerPhone: …1234 is not a valid phone number in US' },
      { line: 6, key: 'not-a-uuid', outcome: 'refused', reason: 'id: sessionId must be a UUID' },
      { line: 7, key: s1.toUpperCase(), outcome: 'refused', reason: 'sessionId: already on line 2; give each sessionId once per file' },
      { line: 8, key: s1.replace(/1$/, '5'), outcome: 'refused', reason: expect.stringMatching(/^status: /) },
    ];
    expect(await importSessions(admin, file)).toEqual(expected('created', 'created'));
    expect(await importSessions(admin, file)).toEqual(expected('unchanged', 'unchanged'));
    expect(await admin.getSession(s1)).toMatchObject({ customerName: 'Grace', customerPhone: '+14155550199', status: 'active' });
    expect(await admin.getSession(s2)).toMatchObject({ customerName: 'Alan', customerPhone: '+442079460958', status: 'ended' });
    await expect(admin.getSession(s3)).rejects.toThrow('Session not found');

    // The status column is optional; a changed name updates, `ended` ends an active session.
    expect(
      outcomes(
        await importSessions(
          admin,
          csv('sessionId,solverEmail,customerName,customerPhone', `${s1},kim@example.com,Grace H.,(415) 555-0199`),
        ),
      ),
    ).toEqual([`2 ${s1} updated`]);
    expect(
      outcomes(
        await importSessions(
          admin,
          csv('customerName,customerPhone,sessionId,solverEmail,status', `Grace H.,(415) 555-0199,${s1},kim@example.com,ended`),
        ),
      ),
    ).toEqual([`2 ${s1} updated`]);
    expect(await admin.getSession(s1)).toMatchObject({ customerName: 'Grace H.', status: 'ended' });
    await expect(importSessions(admin, csv('sessionId,solverEmail,customerName', `${s3},kim@example.com,Linus`))).rejects.toThrow(
      'The header (line 1) must name the columns sessionId,solverEmail,customerName,customerPhone and optionally status (missing: customerPhone). Nothing was imported.',
    );
    await expect(admin.getSession(s3)).rejects.toThrow('Session not found');
  });

  it('formats one line per row and a summary', () => {
    expect(
      formatImport([
        { line: 2, key: 'ada@example.com', outcome: 'created' },
        { line: 10, key: 'bo\u001b[31m@x', outcome: 'refused', reason: 'email: must be an email address' },
        { line: 11, key: '', outcome: 'unchanged' },
      ]),
    ).toBe(
      [
        'line 2   ada@example.com  created',
        'line 10  bo\\u001b[31m@x   refused: email: must be an email address',
        'line 11  —                unchanged',
        '3 rows: 1 created, 0 updated, 1 unchanged, 1 refused',
      ].join('\n'),
    );
    expect(formatImport([])).toBe('0 rows: 0 created, 0 updated, 0 unchanged, 0 refused');
  });
});
