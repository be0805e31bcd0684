import crx3 from 'crx3';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSigningKey, ReleaseError } from './extension-key.ts';
import { compareVersions, offeredVersion } from './update-manifest.ts';

/** Where `npm run package:selfhost` writes what an admin uploads to their web server. */
export const SELFHOST_DIR = '.output/selfhost';
const BUILD_DIR = '.output/selfhost-build';


export type SelfhostOptions = {
  /** The PEM signing key (`EXTENSION_SIGNING_KEY_FILE`): the extension's identity. */
  signingKeyFile: string;
  /** Where the CRX and updates.xml will be served (`EXTENSION_UPDATE_BASE_URL`), e.g. `https://tools.example.com/meet`. */
  updateBaseUrl: string;
  /** The version to release; defaults to package.json's (`SAVVYSOLVE_EXTENSION_VERSION` overrides it). */
  version?: string;
  /** The project root (default: the current directory). */
  root?: string;
  /** Where the CRX and updates.xml go (default {@link SELFHOST_DIR}) and where the build goes first; relative to `root`. */
  outDir?: string;
  buildDir?: string;
  /** Extra environment for the build (e.g. `SAVVYSOLVE_HOST_PERMISSIONS`, `WXT_DEFAULT_SETTINGS`). */
  buildEnv?: NodeJS.ProcessEnv;
  /** What happens to the build's own output (default: shown). */
  buildOutput?: 'inherit' | 'ignore';
};

export type SelfhostPackage = { id: string; version: string; crxFile: string; updatesFile: string; codebase: string; updateUrl: string };

const isLoopback = (hostname: string) => ['localhost', '127.0.0.1', '[::1]'].includes(hostname);

/** @throws ReleaseError unless `value` is an https URL (http only on loopback, for tests). */
function updateBaseUrlOf(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ReleaseError(`EXTENSION_UPDATE_BASE_URL is not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ReleaseError('EXTENSION_UPDATE_BASE_URL must be https:// (Chrome fetches updates over https; http:// only for localhost)');
  return url.toString().replace(/\/+$/, '');
}

/**
 * Builds the production extension with the signing key's public key as its manifest `key` and
 * `{updateBaseUrl}/updates.xml` as its `update_url`, packs it as a CRX3 signed with that key, and writes the gupdate
 * manifest beside it. Never repacks a version that is not higher than the one an existing updates.xml offers: Chrome
 * would not update to it, and two packages would carry one version.
 * @throws ReleaseError for a missing key, a bad URL, a version not higher than the one offered, or a build whose
 *   manifest does not carry the key and update URL.
 */
export async function packageSelfhost(options: SelfhostOptions): Promise<SelfhostPackage> {
  const root = resolve(options.root ?? '.');
  const identity = readSigningKey(resolve(root, options.signingKeyFile));
  const baseUrl = updateBaseUrlOf(options.updateBaseUrl);
  const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const version = options.version ?? packageVersion;
  if (!/^\d+(\.\d+){0,3}$/.test(version)) throw new ReleaseError(`"${version}" is not a Chrome extension version (1 to 4 dot-separated integers)`);

  const outDir = resolve(root, options.outDir ?? SELFHOST_DIR);
  const buildDir = resolve(root, options.buildDir ?? BUILD_DIR);
  const updatesFile = join(outDir, 'updates.xml');
  const offered = existsSync(updatesFile) ? offeredVersion(readFileSync(updatesFile, 'utf8')) : undefined;
  if (offered && compareVersions(version, offered) <= 0)
    throw new ReleaseError(
      `Version ${version} is not higher than ${offered}, which ${updatesFile} already offers: Chrome only updates to a higher version. Raise "version" in package.json.`,
    );

  const updateUrl = `${baseUrl}/updates.xml`;
  execFileSync('wxt', ['build'], {
    cwd: root,
    stdio: options.buildOutput ?? 'inherit',
    env: {
      ...process.env,
      ...options.buildEnv,
      SAVVYSOLVE_STORE_BUILD: 'true',
      SAVVYSOLVE_OUT_DIR: buildDir,
      SAVVYSOLVE_EXTENSION_KEY: identity.publicKeyBase64,
      SAVVYSOLVE_UPDATE_URL: updateUrl,
      SAVVYSOLVE_EXTENSION_VERSION: version,
    },
  });
  const builtExtension = join(buildDir, 'chrome-mv3');
  const manifest = JSON.parse(readFileSync(join(builtExtension, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  if (manifest.key !== identity.publicKeyBase64 || manifest.update_url !== updateUrl || manifest.version !== version)
    throw new ReleaseError('The build did not take the signing key, update URL or version (check wxt.config.ts)');

  mkdirSync(outDir, { recursive: true });
  const crxName = `savvysolve-meet-${version}.crx`;
  const crxFile = join(outDir, crxName);
  const codebase = `${baseUrl}/${crxName}`;
  await crx3([builtExtension], { keyPath: resolve(root, options.signingKeyFile), crxPath: crxFile, xmlPath: updatesFile, crxURL: codebase });
  return { id: identity.id, version, crxFile, updatesFile, codebase, updateUrl };
}
