import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';
import { createEmulatorApp, type EmulatorEnv } from './emulator-app.ts';
import type { Fault, Faults } from './faults.ts';
import { listen, type Listening } from './listen.ts';
import type { RecordedRequest } from './recorder.ts';
import { postStatusCallback, type StatusCallbackResult } from './twilio-callbacks.ts';
import { inboxPage } from './inbox-page.ts';
import { SENDER_ROUTES, addSenderRoutes, type EmulatedSenders, type SenderRoute } from './twilio-senders.ts';
import {
  SENT_STATUSES,
  listMessages,
  messageResource,
  newMessage,
  twilioError,
  validateMessageForm,
  type EmulatedSms,
} from './twilio-messages.ts';

export type TwilioRoute = 'messages.create' | 'messages.list' | 'accounts.fetch' | SenderRoute;
export const TWILIO_ROUTES: readonly TwilioRoute[] = ['messages.create', 'messages.list', 'accounts.fetch', ...SENDER_ROUTES];

/**
 * What happens to the next message to a number, told by status callbacks: `delivered` (`sent`, then `delivered`), or
 * Twilio's error code (`sent`, then `undelivered` with that ErrorCode; `{ errorCode, status: 'failed' }`: `failed`
 * alone, as for a message that never left Twilio).
 */
export type MessageOutcome = 'delivered' | string | { errorCode: string; status: 'undelivered' | 'failed' };

/**
 * Twilio's faults add `dropAfterAccept`: the request is handled (a message is stored and would be delivered), then
 * the connection is destroyed without an answer, after `latencyMs` if given (a client timeout shorter than that
 * sees a timeout instead of a reset). It cannot be combined with `status`.
 */
export type TwilioFault = Fault & { dropAfterAccept?: boolean };
export type TwilioFaults = Omit<Faults<TwilioRoute>, 'set'> & { set(route: TwilioRoute, fault: TwilioFault): void };

export type TwilioEmulatorOptions = {
  accountSid: string;
  authToken: string;
  port?: number;
  /** 'auto' sends `sent` then `delivered` callbacks shortly after each message; 'manual' (default) only on `sendStatusCallback`. */
  statusCallbacks?: 'auto' | 'manual';
  autoCallbackDelayMs?: number;
  // Defaults are Twilio's magic test numbers for the same errors.
  /** Answer 21211 (default `+15005550001`). */
  invalidNumbers?: string[];
  /** Answer 21610, recipient replied STOP (default `+15005550004`). */
  unsubscribedNumbers?: string[];
  /** Answer 21614, not a mobile number (default `+15005550009`). */
  landlineNumbers?: string[];
  /** The account's numbers, Messaging Services and their registrations (default: none). */
  senders?: EmulatedSenders;
};

export type TwilioEmulator = Listening & {
  faults: TwilioFaults;
  requests(route?: TwilioRoute): RecordedRequest<TwilioRoute>[];
  /** Messages accepted, oldest first (copies; `status` follows the callbacks sent). */
  messages(): EmulatedSms[];
  /** Status callbacks sent so far, with the receiver's answer. */
  callbacks(): StatusCallbackResult[];
  /**
   * Scripts the next messages to `to`, one outcome each, in order ("answers 30003 twice, then delivers":
   * `['30003', '30003', 'delivered']`); their callbacks are sent whatever `statusCallbacks` says. Once used up, the
   * number behaves as before. Also `POST /__emulator/outcomes { to, outcomes }`.
   */
  setOutcomes(to: string, outcomes: MessageOutcome[]): void;
  /** Replaces the registration state (`GET /__emulator/senders` shows it, `PUT` replaces it). */
  setSenders(senders: EmulatedSenders): void;
  /** POSTs a signed status callback for a message to its StatusCallback URL; failures are in the result, not thrown. */
  sendStatusCallback(sid: string, status: string, extra?: Record<string, string>): Promise<StatusCallbackResult>;
  readonly invalidNumber: string;
  readonly unsubscribedNumber: string;
  readonly landlineNumber: string;
  reset(): void;
};

/** Twilio's Messages API (create, list) on 127.0.0.1, plus signed status callbacks and a `GET /__emulator/inbox` page. */
export async function startTwilioEmulator(options: TwilioEmulatorOptions): Promise<TwilioEmulator> {
  const lists = {
    invalidNumbers: options.invalidNumbers ?? ['+15005550001'],
    unsubscribedNumbers: options.unsubscribedNumbers ?? ['+15005550004'],
    landlineNumbers: options.landlineNumbers ?? ['+15005550009'],
  };
  const expectedAuth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  let messages: EmulatedSms[] = [];
  let callbacks: StatusCallbackResult[] = [];
  const outcomes = new Map<string, MessageOutcome[]>();
  let senders: EmulatedSenders = options.senders ?? { numbers: [], services: [] };
  const timers = new Set<NodeJS.Timeout>();

  const kit = createEmulatorApp<TwilioRoute>({
    routes: TWILIO_ROUTES,
    faultBody: (_route, status) =>
      twilioError(status, 20000 + status, status === 429 ? 'Too Many Requests' : status >= 500 ? 'Service unavailable' : `HTTP ${status}`),
    resetState() {
      timers.forEach(clearTimeout);
      timers.clear();
      messages = [];
      callbacks = [];
      outcomes.clear();
      senders = options.senders ?? { numbers: [], services: [] };
    },
  });

  /** A From the account does not own (when the emulator knows its numbers), or a Messaging Service it has not: 21606 / 21701. */
  const senderProblem = (form: Record<string, string>) => {
    if (
      form.MessagingServiceSid &&
      senders.services.length > 0 &&
      !senders.services.some((service) => service.sid === form.MessagingServiceSid)
    ) {
      return twilioError(400, 21701, 'The Messaging Service does not exist.');
    }
    if (
      !form.MessagingServiceSid &&
      form.From &&
      senders.numbers.length > 0 &&
      !senders.numbers.some((number) => number.phoneNumber === form.From)
    ) {
      return twilioError(
        400,
        21606,
        `The From phone number ${form.From} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    return undefined;
  };

  // Drops are kept apart from the shared middleware's faults (it would answer them). This emulator's own fault store
  // gets a wider `set`, so `faults.set` and `POST /__emulator/faults` both accept them; `{}` there is a no-op fault.
  const drops = new Map<TwilioRoute, { latencyMs?: number; times?: number }>();
  const { set: setFault, clear: clearFaults } = kit.faults;
  Object.assign(kit.faults, {
    set(route: TwilioRoute, { dropAfterAccept, ...fault }: TwilioFault) {
      if (!dropAfterAccept) {
        drops.delete(route);
        return setFault(route, fault);
      }
      if (fault.status !== undefined || fault.body !== undefined) throw new Error('dropAfterAccept cannot be combined with status or body');
      setFault(route, {});
      drops.set(route, { latencyMs: fault.latencyMs, times: fault.times });
    },
    clear() {
      clearFaults();
      drops.clear();
    },
  });
  /** After the route's handler: destroys the connection instead of answering, when a drop is set for it. */
  const dropAfter =
    (route: TwilioRoute): MiddlewareHandler<EmulatorEnv> =>
    async (c, next) => {
      const drop = drops.get(route);
      if (drop && drop.times !== undefined && --drop.times <= 0) drops.delete(route);
      await next();
      if (!drop) return;
      if (drop.latencyMs) await new Promise((resolve) => setTimeout(resolve, drop.latencyMs));
      (c.env as HttpBindings).incoming.socket.destroy();
    };

  const sendStatusCallback = async (sid: string, status: string, extra: Record<string, string> = {}) => {
    const message = messages.find((entry) => entry.sid === sid);
    if (!message?.statusCallback) throw new Error(`No message ${sid} with a StatusCallback`);
    message.status = status;
    if (SENT_STATUSES.has(status)) message.dateSent ??= new Date();
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: sid,
      SmsSid: sid,
      MessageStatus: status,
      SmsStatus: status,
      To: message.to,
      ...(message.from ? { From: message.from } : {}),
      ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
      ...extra,
    };
    const result = await postStatusCallback(message.statusCallback, params, options.authToken);
    callbacks.push(result);
    return result;
  };

  // Errors are dropped: a reset may remove the message before its callback is due.
  const later = (ms: number, run: () => Promise<unknown>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run().catch(() => undefined);
    }, ms);
    timers.add(timer);
  };

  kit.app.post('/2010-04-01/Accounts/:accountSid/Messages.json', kit.route('messages.create'), dropAfter('messages.create'), (c) => {
    if (c.req.header('authorization') !== expectedAuth) return c.json(twilioError(401, 20003, 'Authenticate'), 401);
    if (c.req.param('accountSid') !== options.accountSid) {
      return c.json(twilioError(404, 20404, `The requested resource ${c.req.path} was not found`), 404);
    }
    const form = (c.get('body') ?? {}) as Record<string, string>;
    const problem = validateMessageForm(form, lists) ?? senderProblem(form);
    if (problem) return c.json(problem, 400);
    const message = newMessage(form);
    messages.push(message);
    const outcome = outcomes.get(message.to)?.shift();
    if (outcome !== undefined && message.statusCallback) {
      const delay = options.autoCallbackDelayMs ?? 50;
      const { errorCode, status } =
        typeof outcome === 'object'
          ? outcome
          : outcome === 'delivered'
            ? { errorCode: undefined, status: 'delivered' }
            : { errorCode: outcome, status: 'undelivered' };
      const final = () => sendStatusCallback(message.sid, status, errorCode ? { ErrorCode: errorCode } : {});
      if (status === 'failed') later(delay, final);
      else
        later(delay, async () => {
          await sendStatusCallback(message.sid, 'sent');
          later(delay, final);
        });
    } else if (options.statusCallbacks === 'auto' && message.statusCallback) {
      const delay = options.autoCallbackDelayMs ?? 50;
      later(delay, async () => {
        await sendStatusCallback(message.sid, 'sent');
        later(delay, () => sendStatusCallback(message.sid, 'delivered'));
      });
    }
    return c.json(messageResource(message, options.accountSid), 201);
  });
  kit.app.get('/2010-04-01/Accounts/:accountSid/Messages.json', kit.route('messages.list'), dropAfter('messages.list'), (c) => {
    if (c.req.header('authorization') !== expectedAuth) return c.json(twilioError(401, 20003, 'Authenticate'), 401);
    if (c.req.param('accountSid') !== options.accountSid) {
      return c.json(twilioError(404, 20404, `The requested resource ${c.req.path} was not found`), 404);
    }
    const { status, body } = listMessages(messages, c.req.query(), options.accountSid);
    return c.json(body, status);
  });
  // What `client.api.v2010.accounts(sid).fetch()` asks: a credentials check that sends nothing.
  kit.app.get('/2010-04-01/Accounts/:file', kit.route('accounts.fetch'), dropAfter('accounts.fetch'), (c) => {
    if (c.req.header('authorization') !== expectedAuth) return c.json(twilioError(401, 20003, 'Authenticate'), 401);
    if (c.req.param('file') !== `${options.accountSid}.json`) {
      return c.json(twilioError(404, 20404, `The requested resource ${c.req.path} was not found`), 404);
    }
    return c.json({
      sid: options.accountSid,
      friendly_name: 'Emulated account',
      status: 'active',
      type: 'Full',
      date_created: new Date(0).toUTCString(),
      uri: `/2010-04-01/Accounts/${options.accountSid}.json`,
    });
  });
  addSenderRoutes(kit.app, {
    accountSid: options.accountSid,
    senders: () => senders,
    route: kit.route,
    guard: (c, account) => {
      if (c.req.header('authorization') !== expectedAuth) return c.json(twilioError(401, 20003, 'Authenticate'), 401);
      if (account !== undefined && account !== options.accountSid) {
        return c.json(twilioError(404, 20404, `The requested resource ${c.req.path} was not found`), 404);
      }
      return undefined;
    },
  });
  kit.app.post('/__emulator/outcomes', async (c) => {
    const { to, outcomes: list } = (await c.req.json()) as { to?: string; outcomes?: MessageOutcome[] };
    if (!to || !Array.isArray(list)) return c.json({ error: 'to and outcomes[] are required' }, 400);
    outcomes.set(to, [...list]);
    return c.body(null, 204);
  });
  kit.app.get('/__emulator/senders', (c) => c.json(senders));
  kit.app.put('/__emulator/senders', async (c) => {
    senders = (await c.req.json()) as EmulatedSenders;
    return c.body(null, 204);
  });
  kit.app.get('/__emulator/inbox', (c) =>
    c.html(
      inboxPage(
        'Emulated SMS inbox',
        ['Received', 'To', 'From', 'Status', 'Body'],
        messages.map((sms) => [sms.dateCreated.toISOString(), sms.to, sms.from ?? sms.messagingServiceSid ?? '', sms.status, sms.body]),
      ),
    ),
  );

  const server = await listen(kit.app.fetch, options.port);
  return {
    ...server,
    async close() {
      kit.reset();
      await server.close();
    },
    faults: kit.faults,
    requests: kit.recorder.requests,
    messages: () => messages.map((message) => ({ ...message })),
    callbacks: () => [...callbacks],
    sendStatusCallback,
    setOutcomes: (to, list) => void outcomes.set(to, [...list]),
    setSenders: (next) => void (senders = next),
    invalidNumber: lists.invalidNumbers[0] ?? '',
    unsubscribedNumber: lists.unsubscribedNumbers[0] ?? '',
    landlineNumber: lists.landlineNumbers[0] ?? '',
    reset: kit.reset,
  };
}
