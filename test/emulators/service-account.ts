import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';

/** The JSON key file Google hands out for a service account. */
export type ServiceAccountKeyJson = {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
};

export type TestServiceAccount = {
  json: ServiceAccountKeyJson;
  /** The key as `GOOGLE_SERVICE_ACCOUNT_KEY` expects it: base64 of the JSON. */
  base64: string;
  publicKeyPem: string;
  clientEmail: string;
  clientId: string;
};

/** A fresh service account with a real RSA key pair, in Google's key-file shape. */
export function createTestServiceAccount({
  clientEmail = 'savvysolve-meet@emulated-project.iam.gserviceaccount.com',
} = {}): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientId = String(randomInt(1e9, 1e10 - 1)) + String(randomInt(1e9, 1e10 - 1)) + '0';
  const json: ServiceAccountKeyJson = {
    type: 'service_account',
    project_id: clientEmail.split('@')[1]?.split('.')[0] ?? 'emulated-project',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: clientEmail,
    client_id: clientId,
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
    universe_domain: 'googleapis.com',
  };
  return {
    json,
    base64: Buffer.from(JSON.stringify(json)).toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    clientEmail,
    clientId,
  };
}
