import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A release step that cannot go on, with what to do about it (printed as is, no stack). */
export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

/** The extension's identity: its signing key decides its id, packed or unpacked, on every release. */
export type ExtensionIdentity = {
  /** The 32-letter extension id (`a`–`p`), e.g. `nnidkclgcoenlalbflknijieocjmigjl`. */
  id: string;
  /** The public key as base64 DER (SubjectPublicKeyInfo): the manifest's `key`. */
  publicKeyBase64: string;
  privateKey: KeyObject;
};

/**
 * Chrome's extension id for a public key: the first 128 bits of sha256(DER SubjectPublicKeyInfo), each hex digit
 * 0–f written as the letter a–p (Chromium `crx_file::id_util::GenerateId`).
 */
export function extensionIdOf(publicKeyDer: Buffer): string {
  const hex = createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
}

/**
 * Reads the extension's RSA signing key (PEM, PKCS#1 or PKCS#8) and derives its identity. Never creates a key: a new
 * key is a new extension id, and every installed copy would lose its settings.
 * @throws ReleaseError when the file is missing, unreadable or not an RSA private key.
 */
export function readSigningKey(file: string): ExtensionIdentity {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReleaseError(
      `Cannot read the signing key ${file} (${code === 'ENOENT' ? 'no such file' : code}). ` +
        'Use the key every earlier release was signed with: a new key gives the extension a new id. For a first release, ' +
        'create one with `openssl genrsa -out savvysolve-meet.pem 2048` and keep it safe (see docs/extension.md, "Key custody").',
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ReleaseError(`${file} is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----").`);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new ReleaseError(`${file} is a ${privateKey.asymmetricKeyType} key; Chrome signs extensions with RSA keys.`);
  }
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return { id: extensionIdOf(der), publicKeyBase64: der.toString('base64'), privateKey };
}
