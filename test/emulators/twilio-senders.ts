import { createHash } from 'node:crypto';
import type { Hono, MiddlewareHandler } from 'hono';
import type { EmulatorEnv } from './emulator-app.ts';
import { twilioError } from './twilio-messages.ts';

/** Twilio's toll-free verification statuses (Messaging v1 `Tollfree/Verifications`). */
export type TollfreeVerificationStatus = 'PENDING_REVIEW' | 'IN_REVIEW' | 'TWILIO_APPROVED' | 'TWILIO_REJECTED';

/**
 * The account's senders as the registration APIs report them. `numbers`: phone numbers the account owns (Incoming
 * Phone Numbers), each with its toll-free verification if one was submitted. `services`: Messaging Services, each
 * with its sender pool and its A2P 10DLC campaign (Twilio examples: `VERIFIED`, `IN_PROGRESS`, `FAILED`), if any.
 */
export type EmulatedSenders = {
  numbers: { phoneNumber: string; tollfreeVerification?: TollfreeVerificationStatus }[];
  services: { sid: string; phoneNumbers: string[]; campaignStatus?: string }[];
};

export type SenderRoute =
  'incomingPhoneNumbers.list' | 'tollfreeVerifications.list' | 'services.list' | 'servicePhoneNumbers.list' | 'usAppToPerson.list';
export const SENDER_ROUTES: readonly SenderRoute[] = [
  'incomingPhoneNumbers.list',
  'tollfreeVerifications.list',
  'services.list',
  'servicePhoneNumbers.list',
  'usAppToPerson.list',
];

/** A stable SID for a name: `PN` + 32 hex digits, like Twilio's. */
const sidOf = (prefix: string, name: string) => `${prefix}${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
export const phoneNumberSid = (phoneNumber: string) => sidOf('PN', phoneNumber);

const SERVICE_SID = /^MG[0-9a-f]{32}$/;
const PHONE_NUMBER_SID = /^PN[0-9a-f]{32}$/;

/** Messaging v1's list envelope: the items under `key`, and `meta` with the key and paging (one page here). */
function v1Page(key: string, items: unknown[], url: string, pageSize: number) {
  return {
    [key]: items,
    meta: { page: 0, page_size: pageSize, first_page_url: url, previous_page_url: null, url, next_page_url: null, key },
  };
}

/** PageSize as Twilio checks it: 1–1000, default 50. */
function pageSizeOf(query: Record<string, string>): number | undefined {
  const size = query.PageSize === undefined ? 50 : Number(query.PageSize);
  return Number.isInteger(size) && size >= 1 && size <= 1000 ? size : undefined;
}

/**
 * The registration resources the doctor reads, strict like Twilio: `IncomingPhoneNumbers.json?PhoneNumber=` (2010 API),
 * and Messaging v1's `Tollfree/Verifications?TollfreePhoneNumberSid=`, `Services`, `Services/{sid}/PhoneNumbers` and
 * `Services/{sid}/Compliance/Usa2p`. Unknown services answer 404 (20404); malformed SIDs and page sizes 400 (20001).
 */
export function addSenderRoutes(
  app: Hono<EmulatorEnv>,
  {
    accountSid,
    senders,
    guard,
    route,
  }: {
    accountSid: string;
    senders: () => EmulatedSenders;
    /** Answers 401/404 for bad credentials or another account; undefined lets the request through. */
    guard: (c: Parameters<MiddlewareHandler<EmulatorEnv>>[0], account?: string) => Response | undefined;
    route: (key: SenderRoute) => MiddlewareHandler<EmulatorEnv>;
  },
) {
  const numberResource = (phoneNumber: string) => ({
    sid: phoneNumberSid(phoneNumber),
    account_sid: accountSid,
    phone_number: phoneNumber,
    friendly_name: phoneNumber,
    capabilities: { sms: true, mms: false, voice: true, fax: false },
    uri: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${phoneNumberSid(phoneNumber)}.json`,
  });
  const serviceOf = (sid: string) => senders().services.find((service) => service.sid === sid);
  const badPageSize = (c: Parameters<MiddlewareHandler<EmulatorEnv>>[0]) =>
    c.json(twilioError(400, 20001, `Invalid PageSize: ${c.req.query('PageSize')}`), 400);

  app.get('/2010-04-01/Accounts/:accountSid/IncomingPhoneNumbers.json', route('incomingPhoneNumbers.list'), (c) => {
    const refused = guard(c, c.req.param('accountSid'));
    if (refused) return refused;
    const size = pageSizeOf(c.req.query());
    if (!size) return badPageSize(c);
    const wanted = c.req.query('PhoneNumber');
    const items = senders()
      .numbers.filter((number) => wanted === undefined || number.phoneNumber === wanted)
      .slice(0, size)
      .map((number) => numberResource(number.phoneNumber));
    const uri = `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json?PageSize=${size}&Page=0`;
    return c.json({
      incoming_phone_numbers: items,
      first_page_uri: uri,
      next_page_uri: null,
      previous_page_uri: null,
      page: 0,
      page_size: size,
      start: 0,
      end: Math.max(items.length - 1, 0),
      uri,
    });
  });

  app.get('/v1/Tollfree/Verifications', route('tollfreeVerifications.list'), (c) => {
    const refused = guard(c);
    if (refused) return refused;
    const size = pageSizeOf(c.req.query());
    if (!size) return badPageSize(c);
    const numberSid = c.req.query('TollfreePhoneNumberSid');
    if (numberSid !== undefined && !PHONE_NUMBER_SID.test(numberSid)) {
      return c.json(twilioError(400, 20001, `Invalid TollfreePhoneNumberSid: ${numberSid}`), 400);
    }
    const items = senders()
      .numbers.filter(
        (number) => number.tollfreeVerification && (numberSid === undefined || phoneNumberSid(number.phoneNumber) === numberSid),
      )
      .map((number) => ({
        sid: sidOf('HH', number.phoneNumber),
        account_sid: accountSid,
        tollfree_phone_number_sid: phoneNumberSid(number.phoneNumber),
        status: number.tollfreeVerification,
        rejection_reason: number.tollfreeVerification === 'TWILIO_REJECTED' ? 'Opt-in process not clear' : null,
        url: `https://messaging.twilio.com/v1/Tollfree/Verifications/${sidOf('HH', number.phoneNumber)}`,
      }));
    return c.json(v1Page('verifications', items, 'https://messaging.twilio.com/v1/Tollfree/Verifications', size));
  });

  app.get('/v1/Services', route('services.list'), (c) => {
    const refused = guard(c);
    if (refused) return refused;
    const size = pageSizeOf(c.req.query());
    if (!size) return badPageSize(c);
    const items = senders().services.map((service) => ({ sid: service.sid, account_sid: accountSid, friendly_name: service.sid }));
    return c.json(v1Page('services', items, 'https://messaging.twilio.com/v1/Services', size));
  });

  const withService =
    (build: (service: EmulatedSenders['services'][number], size: number) => unknown): MiddlewareHandler<EmulatorEnv> =>
    async (c) => {
      const refused = guard(c);
      if (refused) return refused;
      const sid = c.req.param('serviceSid') ?? '';
      if (!SERVICE_SID.test(sid)) return c.json(twilioError(400, 20001, `Invalid MessagingServiceSid: ${sid}`), 400);
      const service = serviceOf(sid);
      if (!service) return c.json(twilioError(404, 20404, `The requested resource ${c.req.path} was not found`), 404);
      const size = pageSizeOf(c.req.query());
      if (!size) return badPageSize(c);
      return c.json(build(service, size));
    };

  app.get(
    '/v1/Services/:serviceSid/PhoneNumbers',
    route('servicePhoneNumbers.list'),
    withService((service, size) =>
      v1Page(
        'phone_numbers',
        service.phoneNumbers.map((phoneNumber) => ({ ...numberResource(phoneNumber), service_sid: service.sid })),
        `https://messaging.twilio.com/v1/Services/${service.sid}/PhoneNumbers`,
        size,
      ),
    ),
  );

  app.get(
    '/v1/Services/:serviceSid/Compliance/Usa2p',
    route('usAppToPerson.list'),
    withService((service, size) =>
      v1Page(
        'compliance',
        service.campaignStatus
          ? [
              {
                sid: sidOf('QE', service.sid),
                account_sid: accountSid,
                brand_registration_sid: sidOf('BN', service.sid),
                messaging_service_sid: service.sid,
                us_app_to_person_usecase: 'CUSTOMER_CARE',
                campaign_status: service.campaignStatus,
                campaign_id: service.campaignStatus === 'VERIFIED' ? 'CFOOBAR' : null,
                is_externally_registered: false,
                errors: service.campaignStatus === 'FAILED' ? [{ code: 30896, description: 'Campaign vetting rejected' }] : [],
              },
            ]
          : [],
        `https://messaging.twilio.com/v1/Services/${service.sid}/Compliance/Usa2p`,
        size,
      ),
    ),
  );
}
