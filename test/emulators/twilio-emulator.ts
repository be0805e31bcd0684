import { createEmulatorApp } from './emulator-app.ts';
import type { Faults } from './faults.ts';
import { listen, type Listening } from './listen.ts';
import type { RecordedRequest } from './recorder.ts';
import { postStatusCallback, type StatusCallbackResult } from './twilio-callbacks.ts';
import { inboxPage } from './inbox-page.ts';
import { messageResource, newMessage, twilioError, validateMessageForm, type EmulatedSms } from './twilio-messages.ts';

export type TwilioRoute = 'messages.create' | 'accounts.fetch';
export const TWILIO_ROUTES: readonly TwilioRoute[] = ['messages.create', 'accounts.fetch'];

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
};

export type TwilioEmulator = Listening & {
  faults: Faults<TwilioRoute>;
  requests(route?: TwilioRoute): RecordedRequest<TwilioRoute>[];
  /** Messages accepted, oldest first (copies; `status` follows the callbacks sent). */
  messages(): EmulatedSms[];
  /** Status callbacks sent so far, with the receiver's answer. */
  callbacks(): StatusCallbackResult[];
  /** POSTs a signed status callback for a message to its StatusCallback URL; failures are in the result, not thrown. */
  sendStatusCallback(sid: string, status: string, extra?: Record<string, string>): Promise<StatusCallbackResult>;
  readonly invalidNumber: string;
  readonly unsubscribedNumber: string;
  readonly landlineNumber: string;
  reset(): void;
};

/** Twilio's Messages API (create) on 127.0.0.1, plus signed status callbacks and a `GET /__emulator/inbox` page. */
export async function startTwilioEmulator(options: TwilioEmulatorOptions): Promise<TwilioEmulator> {
  const lists = {
    invalidNumbers: options.invalidNumbers ?? ['+15005550001'],
    unsubscribedNumbers: options.unsubscribedNumbers ?? ['+15005550004'],
    landlineNumbers: options.landlineNumbers ?? ['+15005550009'],
  };
  const expectedAuth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  let messages: EmulatedSms[] = [];
  let callbacks: StatusCallbackResult[] = [];
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
    },
  });

  const sendStatusCallback = async (sid: string, status: string, extra: Record<string, string> = {}) => {
    const message = messages.find((entry) => entry.sid === sid);
    if (!message?.statusCallback) throw new Error(`No message ${sid} with a StatusCallback`);
    message.status = status;
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

  kit.app.post('/2010-04-01/Accounts/:accountSid/Messages.json', kit.route('messages.create'), (c) => {
    if (c.req.header('authorization') !== expectedAuth) return c.json(twilioError(401, 20003, 'Authenticate'), 401);
    if (c.req.param('accountSid') !== options.accountSid) {
      return c.json(twilioError(404, 20404, `The requested resource ${c.req.path} was not found`), 404);
    }
    const form = (c.get('body') ?? {}) as Record<string, string>;
    const problem = validateMessageForm(form, lists);
    if (problem) return c.json(problem, 400);
    const message = newMessage(form);
    messages.push(message);
    if (options.statusCallbacks === 'auto' && message.statusCallback) {
      const delay = options.autoCallbackDelayMs ?? 50;
      later(delay, async () => {
        await sendStatusCallback(message.sid, 'sent');
        later(delay, () => sendStatusCallback(message.sid, 'delivered'));
      });
    }
    return c.json(messageResource(message, options.accountSid), 201);
  });
  // What `client.api.v2010.accounts(sid).fetch()` asks: a credentials check that sends nothing.
  kit.app.get('/2010-04-01/Accounts/:file', kit.route('accounts.fetch'), (c) => {
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
    invalidNumber: lists.invalidNumbers[0] ?? '',
    unsubscribedNumber: lists.unsubscribedNumbers[0] ?? '',
    landlineNumber: lists.landlineNumbers[0] ?? '',
    reset: kit.reset,
  };
}
