import { startEmulators } from './index.ts';

// `npm run emulators`: the three emulators on fixed ports for local use, until SIGINT/SIGTERM.
const port = (name: string, fallback: number) => Number(process.env[name] || fallback);
const delegatedUsers = (process.env.EMULATOR_DELEGATED_USERS || 'solver@example.com')
  .split(',')
  .map((user) => user.trim())
  .filter(Boolean);

const emulators = await startEmulators({
  delegatedUsers,
  ports: { google: port('EMULATOR_GOOGLE_PORT', 4010), twilio: port('EMULATOR_TWILIO_PORT', 4011), ably: port('EMULATOR_ABLY_PORT', 4012) },
  google: process.env.EMULATOR_MEET_BASE_URL ? { meetBaseUrl: process.env.EMULATOR_MEET_BASE_URL } : {},
  twilio: { statusCallbacks: 'auto' },
});

console.log(`# Emulators: Google ${emulators.google.url}, Twilio ${emulators.twilio.url}, Ably ${emulators.ably.url}`);
console.log(`# Delegation granted for: ${delegatedUsers.join(', ')}; browser sign-in as ${delegatedUsers[0] ?? '(nobody)'}`);
console.log(`# SMS inbox: ${emulators.twilio.url}/__emulator/inbox`);
console.log(`# Ably messages: ${emulators.ably.url}/__emulator/inbox`);
console.log(`# Ably realtime (the extension's live updates): ${emulators.ably.realtimeUrl}`);
console.log('# Paste into the backend shell:');
for (const [name, value] of Object.entries(emulators.backendEnv)) console.log(`export ${name}=${value}`);
console.log('# Keyless instead: unset GOOGLE_SERVICE_ACCOUNT_KEY and export these (the metadata server stands in for Cloud Run):');
for (const [name, value] of Object.entries({ ...emulators.adcEnv, ...emulators.keylessBackendEnv }).filter(
  ([name]) => !(name in emulators.backendEnv),
))
  console.log(`# export ${name}=${value}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n# ${signal}: stopping the emulators`);
    void emulators.close().then(() => process.exit(0));
  });
}
