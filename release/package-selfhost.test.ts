import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extensionIdOf, readSigningKey, ReleaseError } from './extension-key.ts';
import { packageSelfhost, type SelfhostPackage } from './package-selfhost.ts';
import { compareVersions, offeredVersion } from './update-manifest.ts';

/** Reads one protobuf varint at `offset`; returns the value and the offset after it. */
function varint(bytes: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, offset];
    shift += 7;
  }
}

/** The length-delimited fields of a protobuf message, by field number (all our CRX3 fields are bytes/messages). */
function fields(message: Buffer): Map<number, Buffer[]> {
  const found = new Map<number, Buffer[]>();
  let offset = 0;
  while (offset < message.length) {
    const [key, afterKey] = varint(message, offset);
    if ((key & 7) !== 2) throw new Error(`unexpected wire type ${key & 7}`);
    const [length, start] = varint(message, afterKey);
    found.set(key >>> 3, [...(found.get(key >>> 3) ?? []), message.subarray(start, start + length)]);
    offset = start + length;
  }
  return found;
}

/**
 * The CRX3 format, checked independently of the library that wrote it (Chromium components/crx_file/crx3.proto and
 * crx_verifier.cc): "Cr24", version 3, header length, CrxFileHeader { sha256_with_rsa (2): { public_key (1),
 * signature (2) }, signed_header_data (10000): SignedData { crx_id (1) } }, then the ZIP archive; the signature covers
 * "CRX3 SignedData\x00" + le32(len(signed_header_data)) + signed_header_data + archive.
 */
function readCrx3(crx: Buffer) {
  expect(crx.subarray(0, 4).toString('latin1')).toBe('Cr24');
  expect(crx.readUInt32LE(4)).toBe(3);
  const headerLength = crx.readUInt32LE(8);
  const header = fields(crx.subarray(12, 12 + headerLength));
  const archive = crx.subarray(12 + headerLength);
  const proof = fields(header.get(2)![0]!);
  const signedHeaderData = header.get(10000)![0]!;
  const crxId = fields(signedHeaderData).get(1)![0]!;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(signedHeaderData.length);
  const signedBytes = Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), length, signedHeaderData, archive]);
  return { publicKey: proof.get(1)![0]!, signature: proof.get(2)![0]!, crxId, archive, signedBytes };
}

describe('package:selfhost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfhost-'));
  const keyFile = join(dir, 'signing.pem');
  const base = { signingKeyFile: keyFile, updateBaseUrl: 'https://tools.example.com/meet/', outDir: join(dir, 'out'), buildDir: join(dir, 'build'), buildOutput: 'ignore' as const };
  let result: SelfhostPackage;

  beforeAll(async () => {
    execFileSync('openssl', ['genrsa', '-out', keyFile, '2048'], { stdio: 'ignore' });
    result = await packageSelfhost({ ...base, version: '1.2.3' });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a CRX3 whose header is signed by the signing key and names the extension id', () => {
    const crx = readCrx3(readFileSync(result.crxFile));
    const identity = readSigningKey(keyFile);
    expect(crx.publicKey.toString('base64')).toBe(identity.publicKeyBase64);
    expect(extensionIdOf(crx.publicKey)).toBe(result.id);
    // The crx_id is the first 16 bytes of sha256(public key): the same id, in bytes.
    expect([...crx.crxId.toString('hex')].map((d) => String.fromCharCode(97 + Number.parseInt(d, 16))).join('')).toBe(result.id);
    const publicKey = createPublicKey({ key: crx.publicKey, format: 'der', type: 'spki' });
    expect(verify('sha256', crx.signedBytes, publicKey, crx.signature)).toBe(true);
    // One flipped archive byte breaks it: the check above can fail.
    const tampered = Buffer.from(crx.signedBytes);
    tampered[tampered.length - 1]! ^= 1;
    expect(verify('sha256', tampered, publicKey, crx.signature)).toBe(false);
    expect(crx.archive.subarray(0, 2).toString('latin1')).toBe('PK');
  });

  it('writes updates.xml in gupdate format with the id, the codebase under the base URL and the version', () => {
    const xml = readFileSync(result.updatesFile, 'utf8');
    expect(xml).toContain(`<app appid="${result.id}">`);
    expect(xml).toContain('codebase="https://tools.example.com/meet/savvysolve-meet-1.2.3.crx"');
    expect(offeredVersion(xml)).toBe('1.2.3');
    expect(result.crxFile.endsWith('savvysolve-meet-1.2.3.crx')).toBe(true);
  });

  it('builds the manifest with the key and update URL, so the id is the same packed or unpacked', () => {
    const manifest = JSON.parse(readFileSync(join(dir, 'build', 'chrome-mv3', 'manifest.json'), 'utf8'));
    expect(manifest.key).toBe(readSigningKey(keyFile).publicKeyBase64);
    expect(manifest.update_url).toBe('https://tools.example.com/meet/updates.xml');
    expect(manifest.version).toBe('1.2.3');
    // The production build: no loopback origins.
    expect(manifest.host_permissions).not.toContain('http://127.0.0.1/*');
  });

  it('refuses to repack a version that is not higher than the one offered, before building', async () => {
    for (const version of ['1.2.3', '1.2.2', '1.0']) {
      await expect(packageSelfhost({ ...base, version })).rejects.toThrow(/not higher than 1\.2\.3/);
    }
  });

  it('never creates a signing key: a missing one is a plain error', async () => {
    await expect(packageSelfhost({ ...base, signingKeyFile: join(dir, 'missing.pem'), version: '9.0' })).rejects.toThrow(
      /Cannot read the signing key .*no such file.*new id/,
    );
    writeFileSync(join(dir, 'not-a-key.pem'), 'hello');
    expect(() => readSigningKey(join(dir, 'not-a-key.pem'))).toThrow(ReleaseError);
  });

  it('refuses an update URL Chrome would not fetch from', async () => {
    await expect(packageSelfhost({ ...base, updateBaseUrl: 'http://tools.example.com/meet', version: '9.0' })).rejects.toThrow(/https/);
  });
});

describe('versions', () => {
  it.each([
    ['1.2.3', '1.2.3', 0],
    ['1.2.10', '1.2.9', 1],
    ['1.2', '1.2.0.0', 0],
    ['0.9.9', '1.0', -1],
  ])('%s vs %s', (a, b, sign) => expect(Math.sign(compareVersions(a, b))).toBe(sign));

  it('extension id from a known key (the development key pins nnidkclgcoenlalbflknijieocjmigjl)', () => {
    const devKey = readFileSync(new URL('../wxt.config.ts', import.meta.url), 'utf8').match(/'(MIIB[^']+)'/)![1]!;
    expect(extensionIdOf(Buffer.from(devKey, 'base64'))).toBe('nnidkclgcoenlalbflknijieocjmigjl');
  });
});
