import twilio from 'twilio';

export type SmsMessage = { to: string; body: string; statusCallbackUrl?: string };

/** Twilio error codes that no retry can fix: the message is failed at once with the reason. */
const PERMANENT_ERRORS: Record<number, string> = {
  21211: 'invalid phone number',
  21214: 'phone number cannot be reached',
  21408: 'SMS to this region is not enabled on the Twilio account',
  21610: 'recipient has unsubscribed (replied STOP)',
  21612: 'this number cannot be messaged from the configured sender',
  21614: 'number is not a mobile number',
};

/** An SMS that could not be handed to Twilio; `permanent` means retrying is pointless. */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

export type SmsSender = { send(message: SmsMessage): Promise<{ sid: string }> };

export type TwilioSenderOptions = {
  accountSid: string;
  authToken: string;
  fromNumber?: string;
  messagingServiceSid?: string;
  apiUrl: string;
  timeoutMs?: number;
};

function createClient(options: TwilioSenderOptions) {
  const client = twilio(options.accountSid, options.authToken, { timeout: options.timeoutMs ?? 10_000 });
  client.api.baseUrl = options.apiUrl;
  return client;
}

/** Fetches the account (the doctor's credentials check; sends nothing). */
export async function fetchTwilioAccountStatus(options: TwilioSenderOptions): Promise<string> {
  try {
    return (await createClient(options).api.v2010.accounts(options.accountSid).fetch()).status;
  } catch (error) {
    throw classify(error);
  }
}

/** Sends SMS with the twilio SDK, classifying its errors as permanent or transient. */
export function createTwilioSender(options: TwilioSenderOptions): SmsSender {
  const client = createClient(options);
  return {
    async send({ to, body, statusCallbackUrl }) {
      try {
        const message = await client.messages.create({
          to,
          body,
          ...(options.messagingServiceSid ? { messagingServiceSid: options.messagingServiceSid } : { from: options.fromNumber! }),
          ...(statusCallbackUrl ? { statusCallback: statusCallbackUrl } : {}),
        });
        return { sid: message.sid };
      } catch (error) {
        throw classify(error);
      }
    },
  };
}

function classify(error: unknown): SmsSendError {
  const { status, code, message } = error as { status?: number; code?: number | string; message?: string };
  if (typeof code === 'number' && PERMANENT_ERRORS[code]) {
    return new SmsSendError(`Twilio ${code}: ${PERMANENT_ERRORS[code]}`, String(code), true);
  }
  if (status === 401 || status === 403) {
    return new SmsSendError(
      `Twilio refused the credentials (HTTP ${status}); check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN`,
      String(code ?? status),
      false,
    );
  }
  if (typeof status === 'number') {
    return new SmsSendError(`Twilio answered HTTP ${status}${code ? ` (code ${code})` : ''}`, String(code ?? status), false);
  }
  return new SmsSendError(
    `Twilio could not be reached (${typeof code === 'string' ? code : (message ?? 'network error')})`,
    String(code ?? 'network'),
    false,
  );
}
