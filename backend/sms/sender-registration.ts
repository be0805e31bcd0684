import { createTwilioClient, type TwilioSenderOptions } from './twilio-sender.ts';

/**
 * Whether US carriers take texts from the configured sender (the doctor's "twilio sender" line): `ok`, `warn` (texts to
 * US numbers will be blocked, or may be until a review ends), `fail` (they are blocked now), `skip` (not a US sender).
 */
export type SenderVerdict = { status: 'ok' | 'warn' | 'fail' | 'skip'; detail: string; fix?: string };

/** US and Canadian toll-free area codes (NANP): +1 800, 833, 844, 855, 866, 877, 888. */
const TOLL_FREE = /^\+18(00|33|44|55|66|77|88)\d{7}$/;

const REGISTER_10DLC =
  'Register an A2P 10DLC brand and campaign in the Twilio console (Messaging › Regulatory compliance › A2P 10DLC), add the number to the campaign’s Messaging Service, and set TWILIO_MESSAGING_SERVICE_SID to that service.';
const VERIFY_TOLL_FREE =
  'Submit the toll-free verification in the Twilio console (Messaging › Regulatory compliance › Toll-free verifications) and wait for TWILIO_APPROVED.';

/**
 * Asks Twilio how the sender is registered. A Messaging Service: its A2P 10DLC campaign (`services(sid).usAppToPerson`).
 * A toll-free TWILIO_FROM_NUMBER: its toll-free verification (`tollfreeVerifications`, by the number's SID from
 * `incomingPhoneNumbers`). A US long code: whether a Messaging Service with a verified campaign holds it. Since
 * 2023–2024 US carriers block unregistered 10DLC (error 30034) and unverified toll-free (30032) senders.
 * @throws the twilio SDK's error when Twilio cannot be asked
 */
export async function checkSenderRegistration(options: TwilioSenderOptions): Promise<SenderVerdict> {
  const client = createTwilioClient(options);
  const campaignOf = async (serviceSid: string) => (await client.messaging.v1.services(serviceSid).usAppToPerson.list({ limit: 20 }))[0];

  if (options.messagingServiceSid) {
    const campaign = await campaignOf(options.messagingServiceSid);
    const service = `Messaging Service ${options.messagingServiceSid}`;
    if (!campaign)
      return {
        status: 'warn',
        detail: `${service} has no A2P 10DLC campaign: US carriers block texts from its long codes`,
        fix: REGISTER_10DLC,
      };
    return campaignVerdict(service, campaign.campaignStatus);
  }

  const from = options.fromNumber ?? '';
  if (!from.startsWith('+1'))
    return { status: 'skip', detail: `${from} is not a US or Canadian number: no US carrier registration applies` };
  const [number] = await client.incomingPhoneNumbers.list({ phoneNumber: from, limit: 1 });
  if (!number) {
    return {
      status: 'fail',
      detail: `${from} is not a number of this Twilio account`,
      fix: 'Set TWILIO_FROM_NUMBER to a number listed in the Twilio console (Phone Numbers › Active numbers).',
    };
  }

  if (TOLL_FREE.test(from)) {
    const [verification] = await client.messaging.v1.tollfreeVerifications.list({ tollfreePhoneNumberSid: number.sid, limit: 1 });
    switch (verification?.status) {
      case 'TWILIO_APPROVED':
        return { status: 'ok', detail: `toll-free ${from} is verified` };
      case 'PENDING_REVIEW':
      case 'IN_REVIEW':
        return {
          status: 'warn',
          detail: `toll-free ${from}: verification ${verification.status.toLowerCase().replace('_', ' ')}; US carriers block its texts until approved (error 30032)`,
          fix: 'Wait for Twilio’s review (Messaging › Regulatory compliance › Toll-free verifications).',
        };
      case 'TWILIO_REJECTED':
        return {
          status: 'fail',
          detail: `toll-free ${from}: verification rejected; US carriers block its texts (error 30032)`,
          fix: `Fix the rejection reasons and resubmit. ${VERIFY_TOLL_FREE}`,
        };
      default:
        return {
          status: 'fail',
          detail: `toll-free ${from} is not verified: US carriers block its texts (error 30032)`,
          fix: VERIFY_TOLL_FREE,
        };
    }
  }

  for (const service of await client.messaging.v1.services.list({ limit: 100 })) {
    const pool = await client.messaging.v1.services(service.sid).phoneNumbers.list({ limit: 400 });
    if (!pool.some((entry) => entry.sid === number.sid)) continue;
    const campaign = await campaignOf(service.sid);
    if (campaign?.campaignStatus === 'VERIFIED') {
      return { status: 'ok', detail: `${from} is in Messaging Service ${service.sid}, whose A2P 10DLC campaign is verified` };
    }
  }
  return {
    status: 'warn',
    detail: `${from} is not in any registered A2P 10DLC campaign: US carriers will block its texts (error 30034)`,
    fix: REGISTER_10DLC,
  };
}

/** Twilio's campaign statuses: VERIFIED, IN_PROGRESS (also PENDING), FAILED. */
function campaignVerdict(service: string, status: string): SenderVerdict {
  if (status === 'VERIFIED') return { status: 'ok', detail: `${service}: A2P 10DLC campaign verified` };
  if (status === 'FAILED') {
    return {
      status: 'fail',
      detail: `${service}: A2P 10DLC campaign failed vetting; US carriers block its texts (error 30034)`,
      fix: `Fix the campaign in the Twilio console and resubmit. ${REGISTER_10DLC}`,
    };
  }
  return {
    status: 'warn',
    detail: `${service}: A2P 10DLC campaign ${status.toLowerCase().replace('_', ' ')}; US carriers block its texts until it is verified`,
    fix: 'Wait for the campaign’s vetting (Messaging › Regulatory compliance › A2P 10DLC), usually a few days.',
  };
}
