import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAblyEmulator, type AblyEmulator } from './ably-emulator.ts';
import { grantUser, type DelegationGrant } from './google-delegations.ts';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from './google-emulator.ts';
import { createTestServiceAccount, type TestServiceAccount } from './service-account.ts';
import { startTwilioEmulator, type TwilioEmulator, type TwilioEmulatorOptions } from './twilio-emulator.ts';

export { startAblyEmulator, type AblyEmulator } from './ably-emulator.ts';
export { startGoogleEmulator, type GoogleEmulator } from './google-emulator.ts';
export type { DelegationGrant } from './google-delegations.ts';
export { MEET_SCOPES, type MeetParticipant, type ParticipantInput, type StoredMeetSpace } from './google-meet-api.ts';
export { createTestServiceAccount, type TestServiceAccount } from './service-account.ts';
export { startSavvySolveHostEmulator, type HostSession, type SavvySolveHostEmulator } from './savvysolve-host-emulator.ts';
export { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';
export { startTwilioEmulator, type TwilioEmulator } from './twilio-emulator.ts';
export type { Fault } from './faults.ts';
export type { RecordedRequest } from './recorder.ts';

export const TEST_TWILIO_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const TEST_TWILIO_AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
/** Twilio's magic test sender that always works. */
export const TEST_TWILIO_FROM_NUMBER = '+15005550006';
/** The Messaging Service whose verified A2P 10DLC campaign holds TEST_TWILIO_FROM_NUMBER (a registered sender). */
export const TEST_TWILIO_MESSAGING_SERVICE_SID = 'MG0123456789abcdef0123456789abcdef';
export const TEST_ABLY_KEY = 'emu.test:secret';

/** The environment a backend needs to use the emulators. */
export type BackendEnv = {
  GOOGLE_SERVICE_ACCOUNT_KEY: string;
  GOOGLE_OAUTH_URL: string;
  GOOGLE_API_URL: string;
  GOOGLE_MEET_API_URL: string;
  GOOGLE_WORKSPACE_EVENTS_URL: string;
  TWILIO_ACCOUNT_SID: string;
  TWILIO_AUTH_TOKEN: string;
  TWILIO_FROM_NUMBER: string;
  TWILIO_API_URL: string;
  ABLY_API_KEY: string;
  ABLY_REST_URL: string;
  /** The emulator's realtime endpoint: the extension connects there, never to Ably's own hosts. */
  ABLY_REALTIME_URL: string;
};

/** Keyless mode's backend variables: IAM Credentials signs for the delegated account (no key). */
export type KeylessBackendEnv = Omit<BackendEnv, 'GOOGLE_SERVICE_ACCOUNT_KEY'> & {
  GOOGLE_SERVICE_ACCOUNT_EMAIL: string;
  GOOGLE_IAM_CREDENTIALS_URL: string;
};

/**
 * What google-auth-library reads from the process to find Application Default Credentials on the emulated
 * instance: gcp-metadata's GCE_METADATA_HOST and METADATA_SERVER_DETECTION, and a gcloud directory that does not
 * exist (so a developer's own `gcloud auth application-default login` is never picked up).
 */
export type AdcProcessEnv = {
  GCE_METADATA_HOST: string;
  METADATA_SERVER_DETECTION: 'assume-present';
  CLOUDSDK_CONFIG: string;
  CLOUDSDK_PYTHON: string;
};

export type EmulatorsOptions = {
  /**
   * Users the generated service account has domain-wide delegation for (default `solver@example.com`): an email
   * grants every scope, `{ user, scopes }` only those.
   */
  delegatedUsers?: DelegationGrant[];
  ports?: { google?: number; twilio?: number; ably?: number };
  google?: Pick<GoogleEmulatorOptions, 'meetBaseUrl' | 'signedInUser' | 'conferenceTypeAllowed'>;
  twilio?: Omit<TwilioEmulatorOptions, 'accountSid' | 'authToken' | 'port'>;
};

export type Emulators = {
  google: GoogleEmulator;
  twilio: TwilioEmulator;
  ably: AblyEmulator;
  serviceAccount: TestServiceAccount;
  backendEnv: BackendEnv;
  /** The backend's variables for keyless mode (with {@link useEmulatedAdc} for its own identity). */
  keylessBackendEnv: KeylessBackendEnv;
  adcEnv: AdcProcessEnv;
  /** Clears injected faults on all three. */
  clearFaults(): void;
  /** Clears faults, records and stored state on all three. */
  reset(): void;
  close(): Promise<void>;
};

/** Starts the Google, Twilio and Ably emulators with a fresh service account and fixed test credentials. */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
  const serviceAccount = createTestServiceAccount();
  const delegatedUsers = options.delegatedUsers ?? ['solver@example.com'];
  const [google, twilio, ably] = await Promise.all([
    startGoogleEmulator({
      serviceAccounts: [serviceAccount],
      delegations: { [serviceAccount.clientEmail]: delegatedUsers },
      signedInUser: delegatedUsers[0] && grantUser(delegatedUsers[0]),
      ...options.google,
      port: options.ports?.google,
    }),
    startTwilioEmulator({
      accountSid: TEST_TWILIO_ACCOUNT_SID,
      authToken: TEST_TWILIO_AUTH_TOKEN,
      senders: {
        numbers: [{ phoneNumber: TEST_TWILIO_FROM_NUMBER }],
        services: [{ sid: TEST_TWILIO_MESSAGING_SERVICE_SID, phoneNumbers: [TEST_TWILIO_FROM_NUMBER], campaignStatus: 'VERIFIED' }],
      },
      ...options.twilio,
      port: options.ports?.twilio,
    }),
    startAblyEmulator({ key: TEST_ABLY_KEY, port: options.ports?.ably }),
  ]);
  const all = [google, twilio, ably];
  return {
    google,
    twilio,
    ably,
    serviceAccount,
    backendEnv: { GOOGLE_SERVICE_ACCOUNT_KEY: serviceAccount.base64, ...sharedBackendEnv(google.url, twilio, ably) },
    keylessBackendEnv: {
      ...sharedBackendEnv(google.url, twilio, ably),
      GOOGLE_SERVICE_ACCOUNT_EMAIL: serviceAccount.clientEmail,
      GOOGLE_IAM_CREDENTIALS_URL: google.url,
    },
    adcEnv: {
      GCE_METADATA_HOST: google.url.replace(/^https?:\/\//, ''),
      METADATA_SERVER_DETECTION: 'assume-present',
      CLOUDSDK_CONFIG: join(tmpdir(), 'savvysolve-emulated-gcloud-config-absent'),
      // No gcloud, as in a Cloud Run container: google-auth-library asks `gcloud config config-helper` for the
      // project id before the metadata server, and a gcloud installed on this machine costs ~0.6 s of Python per
      // client. Its launcher runs CLOUDSDK_PYTHON, which does not exist: it fails at once.
      CLOUDSDK_PYTHON: join(tmpdir(), 'savvysolve-emulated-gcloud-absent'),
    },
    clearFaults: () => all.forEach((emulator) => emulator.faults.clear()),
    reset: () => all.forEach((emulator) => emulator.reset()),
    close: async () => void (await Promise.all(all.map((emulator) => emulator.close()))),
  };
}

/** Everything but the Google credential: the emulators' URLs and fixed test credentials. */
function sharedBackendEnv(googleUrl: string, twilio: TwilioEmulator, ably: AblyEmulator): Omit<BackendEnv, 'GOOGLE_SERVICE_ACCOUNT_KEY'> {
  return {
    GOOGLE_OAUTH_URL: googleUrl,
    GOOGLE_API_URL: googleUrl,
    GOOGLE_MEET_API_URL: googleUrl,
    GOOGLE_WORKSPACE_EVENTS_URL: googleUrl,
    TWILIO_ACCOUNT_SID: TEST_TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER: TEST_TWILIO_FROM_NUMBER,
    TWILIO_API_URL: twilio.url,
    ABLY_API_KEY: TEST_ABLY_KEY,
    ABLY_REST_URL: ably.url,
    ABLY_REALTIME_URL: ably.realtimeUrl,
  };
}

/**
 * Points this process's Application Default Credentials at the emulated metadata server (what Cloud Run would
 * give) and away from any GOOGLE_APPLICATION_CREDENTIALS file; returns a function that restores the environment.
 */
export function useEmulatedAdc(adcEnv: AdcProcessEnv, env: NodeJS.ProcessEnv = process.env): () => void {
  const names = [...Object.keys(adcEnv), 'GOOGLE_APPLICATION_CREDENTIALS'];
  const saved = Object.fromEntries(names.map((name) => [name, env[name]]));
  Object.assign(env, adcEnv);
  delete env.GOOGLE_APPLICATION_CREDENTIALS;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  };
}
