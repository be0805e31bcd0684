import { randomUUID } from 'node:crypto';
import * as Ably from 'ably';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_TOKEN_TTL_MS } from '../../backend/realtime/ably-publisher.ts';
import { ablyClientOptions } from '../../extension/features/session-list/ably-connection.ts';
import { SAVVYSOLVE_WEBHOOK_PATH, realtimeEndpointOf, solverChannel } from '../../shared/index.ts';
import { ADMIN_TOKEN, eventually, startStack, type DatabaseChoice, type Stack } from './stack.ts';

/** How soon a revoked solver's live connection must be gone (the bound). */
const DETACH_WITHIN_MS = 60_000;

/**
 * Security round two: realtime tokens live 10 minutes, are renewed by the client's authCallback through the
 * backend (which refuses a disabled or switched solver), and a change that takes a permission away revokes them by
 * clientId at Ably so the live connection ends at once. The real ably-js Realtime client, configured as the
 * extension configures it, against the Ably emulator; real HTTP; one database.
 */
export function describeRealtimeRevocation(database: DatabaseChoice) {
  describe(`realtime token revocation on ${database}`, () => {
    let stack: Stack;
    const clients: Ably.Realtime[] = [];
    const ably = () => stack.emulators.ably;

    /** A new employed solver known through the host, signed in; their id, channel (= Ably clientId) and token. */
    async function newSolver() {
      const email = `live-${randomUUID().slice(0, 8)}@example.com`;
      const solver = { email, name: 'Live Solver', employment: 'employed', googleEmail: email } as const;
      await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', solver);
      const listed = (await stack.api.call('GET', '/api/admin/solvers', { token: ADMIN_TOKEN })).body.solvers;
      const id = listed.find((entry: { email: string }) => entry.email === email).id as string;
      return { solver, id, channel: solverChannel(id), token: await stack.signIn(email) };
    }

    /** The extension's live-updates client: every token (first and renewals) asked of GET /api/realtime/token. */
    function connectAsExtension(sessionToken: string) {
      const renewals: number[] = [];
      const client = new Ably.Realtime({
        ...ablyClientOptions(realtimeEndpointOf(ably().realtimeUrl)),
        authCallback: (_params, callback) => {
          void stack.api.call('GET', '/api/realtime/token', { token: sessionToken }).then((answer) => {
            renewals.push(answer.status);
            if (answer.status === 200) callback(null, answer.body as Ably.TokenRequest);
            else callback(`HTTP ${answer.status}`, null);
          });
        },
        disconnectedRetryTimeout: 300,
      });
      clients.push(client);
      return { client, renewals };
    }
    const openConnections = (clientId: string) =>
      ably()
        .realtime.connections()
        .filter((connection) => connection.clientId === clientId && connection.closedAt === undefined);
    const revokeJobs = async (clientId: string) => {
      const result = await stack.backend.database.db.execute(
        sql`select count(*)::int as n from pgboss.job where name = 'realtime.revoke-tokens' and data->>'clientId' = ${clientId}`,
      );
      const rows = Array.isArray(result) ? result : (result as { rows: { n: number }[] }).rows;
      return Number(rows[0]?.n ?? 0);
    };

    beforeAll(async () => {
      stack = await startStack(database);
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.close();
    });
    afterAll(async () => stack?.close());

    it('mints tokens of 10 minutes at most, and the client renews them through the backend on the same connection', async () => {
      const { channel, token } = await newSolver();
      const { client, renewals } = connectAsExtension(token);
      await client.connection.whenState('connected');
      await client.channels.get(channel).attach();
      const issued = ably()
        .tokens()
        .filter((entry) => entry.clientId === channel);
      expect(issued).toHaveLength(1);
      expect(issued[0]!.expires - issued[0]!.issued).toBeLessThanOrEqual(10 * 60_000);
      expect(REALTIME_TOKEN_TTL_MS).toBeLessThanOrEqual(10 * 60_000);

      ably().realtime.requestAuth([channel]);
      await eventually(() => openConnections(channel)[0]?.tokens.length === 2, 'the renewed token on the connection');
      expect(renewals).toEqual([200, 200]);
      expect(client.connection.state).toBe('connected');
      expect(openConnections(channel)).toHaveLength(1);
    });

    it.each([
      ['an admin disables them', 'admin-disable', 403],
      ['the SavvySolve app switches them to contract', 'host-contract', 401],
    ] as const)('ends the live connection within a minute when %s, and refuses its renewal', async (_case, how, refusal) => {
      const { solver, id, channel, token } = await newSolver();
      const { client, renewals } = connectAsExtension(token);
      await client.connection.whenState('connected');
      await client.channels.get(channel).attach();

      const started = Date.now();
      if (how === 'admin-disable')
        expect((await stack.api.call('PATCH', `/api/admin/solvers/${id}`, { json: { disabled: true }, token: ADMIN_TOKEN })).status).toBe(
          200,
        );
      else
        await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', {
          ...solver,
          employment: 'contract',
        });

      await eventually(
        () => openConnections(channel).length === 0 && client.connection.state !== 'connected',
        'the connection ended',
        DETACH_WITHIN_MS,
      );
      expect(Date.now() - started).toBeLessThan(DETACH_WITHIN_MS);
      const revoked = ably()
        .realtime.connections()
        .filter((connection) => connection.clientId === channel);
      expect(revoked.map((connection) => connection.closedBy)).toEqual(['token_revoked']);
      expect(
        ably()
          .requests('revokeTokens')
          .some((request) => (request.body as { targets: string[] }).targets.includes(`clientId:${channel}`)),
      ).toBe(true);
      // The client asked to renew and was refused: no new connection, no new token.
      await eventually(() => renewals.length >= 2, 'the renewal attempt');
      expect(new Set(renewals.slice(1))).toEqual(new Set([refusal]));
      expect(
        ably()
          .tokens()
          .filter((entry) => entry.clientId === channel),
      ).toHaveLength(1);
      expect(openConnections(channel)).toHaveLength(0);
    });

    it('does not revoke for a change that takes nothing away (a new name)', async () => {
      const { solver, channel, token } = await newSolver();
      const { client } = connectAsExtension(token);
      await client.connection.whenState('connected');
      const renamed = await stack.host.sendWebhook(`${stack.backend.url}${SAVVYSOLVE_WEBHOOK_PATH}`, 'solver.upserted', {
        ...solver,
        name: 'Renamed Solver',
      });
      expect(renamed.body.outcome).toBe('updated');
      // The revocation job is queued in the change's own transaction: none exists once the change answered.
      expect(await revokeJobs(channel)).toBe(0);
      expect(openConnections(channel)).toHaveLength(1);
    });
  });
}
