import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { Hono } from 'hono';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedTemplate } from '../../test/support/pglite-template.ts';
import { postgresAvailable, TEST_DATABASE_URL } from '../../test/support/postgres.ts';
import { createMemoryLogger } from '../logger.ts';
import { describeError } from './describe-error.ts';
import { createErrorHandler } from './errors.ts';

const PHONE = '+14155550123';
const NAME = 'Grace Hopper';
const customers = pgTable('customers_describe_error_test', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  phone: text('phone').notNull().unique(),
});
const ddl = `create temporary table customers_describe_error_test (id uuid primary key, name text not null, phone text not null unique)`;
const row = { id: '0b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11', name: NAME, phone: PHONE };

/** The error a query throws, or a failure if it succeeds. */
const errorOf = (promise: PromiseLike<unknown>) =>
  Promise.resolve(promise).then(
    () => {
      throw new Error('expected the query to fail');
    },
    (error: unknown) => error,
  );
const withPostgres = await postgresAvailable();
const leaks = (value: unknown) => [PHONE, NAME, 'insert into', 'params'].filter((secret) => JSON.stringify(value).includes(secret));

let pglite: PGlite;
beforeAll(async () => {
  // Any data directory will do: the template saves an initdb.
  pglite = await PGlite.create('memory://', { loadDataDir: await migratedTemplate() });
  await pglite.exec(ddl);
});
afterAll(async () => pglite?.close());

describe('describeError', () => {
  it('describes a DrizzleQueryError-like object by its cause, without its message, query or params', () => {
    const cause = Object.assign(new Error(`duplicate key value violates unique constraint "customers_phone_key"`), {
      name: 'PostgresError',
      severity: 'ERROR',
      code: '23505',
      detail: `Key (phone)=(${PHONE}) already exists.`,
      constraint_name: 'customers_phone_key',
      table_name: 'customers',
    });
    const wrapper = Object.assign(new Error(`Failed query: insert into customers values ($1, $2)\nparams: ${NAME},${PHONE}`), {
      query: 'insert into customers values ($1, $2)',
      params: [NAME, PHONE],
      cause,
    });
    const described = describeError(wrapper);
    expect(described).toEqual({
      error: 'Error',
      cause: 'PostgresError',
      code: '23505',
      constraint: 'customers_phone_key',
      table: 'customers',
    });
    expect(leaks(described)).toEqual([]);
  });

  it('describes a real PGlite unique violation through drizzle by code, constraint and table', async () => {
    const db = drizzlePglite({ client: pglite });
    await db.insert(customers).values(row);
    const error = await errorOf(db.insert(customers).values({ ...row, id: '1b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11' }));
    expect(error).toBeInstanceOf(DrizzleQueryError);
    expect(JSON.stringify((error as Error).message)).toContain(PHONE); // what the old log line wrote
    const described = describeError(error);
    expect(described).toMatchObject({ error: 'DrizzleQueryError', code: '23505', table: 'customers_describe_error_test' });
    expect(described.constraint).toMatch(/phone/);
    expect(leaks(described)).toEqual([]);
  });

  it('never writes the message of a database error, which can quote a value', async () => {
    const error = await errorOf(pglite.query('select $1::uuid', [PHONE]));
    expect((error as Error).message).toContain(PHONE);
    expect(describeError(error)).toEqual({ error: expect.any(String), code: '22P02', constraint: undefined, table: undefined });
  });

  it('keeps a wrapper with a non-database cause to names and codes', () => {
    const cause = Object.assign(new TypeError(`The "string" argument must be of type string. Received ${PHONE}`), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
    const described = describeError(new DrizzleQueryError('insert into customers values ($1)', [PHONE], cause));
    expect(described).toEqual({ error: 'DrizzleQueryError', cause: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('describes other errors by name, message and stack frames, with their cause', () => {
    const error = new RangeError('calendar id missing', { cause: new Error('inner') });
    const described = describeError(error);
    expect(described).toMatchObject({
      error: 'RangeError',
      message: 'calendar id missing',
      cause: { error: 'Error', message: 'inner' },
    });
    expect(described.stack).toMatch(/^\s+at .*describe-error\.test\.ts/);
    expect(described.stack).not.toContain('calendar id missing');
    expect(describeError('boom')).toEqual({ error: 'NonError', type: 'string' });
  });

  it.runIf(withPostgres)('describes a real postgres.js error through drizzle the same way', async () => {
    const client = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      const db = drizzlePostgres({ client });
      await db
        .transaction(async (tx) => {
          await tx.execute(ddl);
          await tx.insert(customers).values(row);
          const error = await errorOf(tx.insert(customers).values({ ...row, id: '1b8f3a52-5a7c-4d7e-9a43-0d8b7d0f3e11' }));
          const described = describeError(error);
          expect(described).toMatchObject({
            error: 'DrizzleQueryError',
            cause: 'PostgresError',
            code: '23505',
            table: 'customers_describe_error_test',
          });
          expect(described.constraint).toMatch(/phone/);
          expect(leaks(described)).toEqual([]);
          tx.rollback();
        })
        .catch((error: unknown) => {
          if ((error as Error).message !== 'Rollback') throw error;
        });
    } finally {
      await client.end({ timeout: 1 });
    }
  });
});

describe('the error handler', () => {
  it('logs a database error by kind, and answers a plain 500 with the request id', async () => {
    const { logger, lines } = createMemoryLogger();
    const db = drizzlePglite({ client: pglite });
    const app = new Hono()
      .use(async (c, next) => {
        c.set('requestId' as never, 'req-1' as never);
        await next();
      })
      .post('/customers', async () => {
        await db.insert(customers).values(row);
        return new Response(null, { status: 204 });
      });
    app.onError(createErrorHandler(logger));
    await pglite.exec('delete from customers_describe_error_test');
    expect((await app.request('/customers', { method: 'POST' })).status).toBe(204);
    const response = await app.request('/customers', { method: 'POST' });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side (request req-1).' },
    });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', message: 'unhandled error', requestId: 'req-1', code: '23505' });
    expect(lines.filter((line) => line.includes(PHONE) || line.includes(NAME))).toEqual([]);
  });
});
