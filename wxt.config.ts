import { defineConfig } from 'wxt';

/**
 * Public key of the development/test signing key: it pins the extension id to
 * `nnidkclgcoenlalbflknijieocjmigjl` so OAuth redirect URIs, policies and tests can name it.
 * Replace (or drop) it for the Chrome Web Store listing — see README, "Publishing".
 */
const DEV_EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzwXoPnHkjv83N/LNOS5+dDTiFp+z3AZn0uq+/3bXhGnNcnW9UuFalUMtaz6eQpnbMUgjnpBDE6YMCML2lFxXffIDZNdCN106f32mtQXsfLKJxPkkuH2PkUZY17zeQp4cJbcXBln7I/hqlTxawTvMHxj5e55i0BukP1ur440PQ6tlCkBAzc8NoBIwLJA5PSutZWs7NqO6riavoUFRvQAGOpynmGiLlNMopG5FX2MUfOJJ32xo2SOYA5yx11PNfxKUddZmy1uJdXXxOa/3vyDKyMPcAnUen15+7waeZR6R+dLnbSDdp+zaoTuaJ38oce++XuB9kEXT0Mx8gKchYzCpFQIDAQAB';

/** Build-time knobs (all optional): see README, "Building for your organization". */
const extensionKey = process.env.SAVVYSOLVE_EXTENSION_KEY ?? DEV_EXTENSION_KEY;
const chromeOAuthClientId = process.env.SAVVYSOLVE_CHROME_OAUTH_CLIENT_ID;
/** Self-hosted releases (`npm run package:selfhost`): where Chrome looks for updates, and the version released. */
const updateUrl = process.env.SAVVYSOLVE_UPDATE_URL;
const releaseVersion = process.env.SAVVYSOLVE_EXTENSION_VERSION;
/**
 * The store build (`npm run zip`) asks for no loopback origins: they exist for development, the tests and the
 * demo, whose backend and pages run on this machine.
 */
const storeBuild = process.env.SAVVYSOLVE_STORE_BUILD === 'true';
const loopbackHosts = storeBuild ? [] : ['http://localhost/*', 'http://127.0.0.1/*'];
/**
 * Whether the extension opens the emulator's loopback Meet rooms (`http://127.0.0.1:<port>/meet/<code>`): development,
 * test and demo builds do, a store or self-hosted build does not — unless the tests' own self-hosted package asks for
 * it (`SAVVYSOLVE_LOOPBACK_MEET_ROOMS=true`, test/e2e/support/policy-install.ts).
 */
const loopbackMeetRooms = process.env.SAVVYSOLVE_LOOPBACK_MEET_ROOMS ? process.env.SAVVYSOLVE_LOOPBACK_MEET_ROOMS === 'true' : !storeBuild;
/** Extra origins granted at install (e.g. `https://meet-api.example.com/*,https://console.example.com/*`). */
const extraHostPermissions = (process.env.SAVVYSOLVE_HOST_PERMISSIONS ?? '')
  .split(',')
  .map((origin) => origin.trim())
  .filter(Boolean);

export default defineConfig({
  srcDir: 'extension',
  // `npm run demo` builds into its own folder so it never touches the build the tests load.
  outDir: process.env.SAVVYSOLVE_OUT_DIR ?? '.output',
  publicDir: 'extension/public',
  modules: ['@wxt-dev/module-react'],
  // Development and test builds open the test emulator's loopback Meet rooms too (`extension/lib/meet-links.ts`).
  vite: () => ({ define: { __SAVVYSOLVE_LOOPBACK_MEET_ROOMS__: JSON.stringify(loopbackMeetRooms) } }),
  // Every import is written out, so a reader can follow any name.
  imports: false,
  manifest: {
    name: 'SavvySolve Meet',
    description: 'Start a Google Meet video call from a SavvySolve support session in one click.',
    ...(extensionKey ? { key: extensionKey } : {}),
    ...(updateUrl ? { update_url: updateUrl } : {}),
    ...(releaseVersion ? { version: releaseVersion } : {}),
    // 140: `storage.local.setAccessLevel`, which closes the settings to content scripts (docs/guarantees.md).
    minimum_chrome_version: '140',
    action: { default_title: 'SavvySolve Meet' },
    permissions: ['storage', 'identity', 'sidePanel', 'scripting', 'alarms'],
    // The Meet tab watched after a Calendar fallback, and (not in the store build) the local backend. Session page
    // origins come from the content script's default matches; other origins are requested at runtime.
    host_permissions: [...loopbackHosts, 'https://meet.google.com/*', ...extraHostPermissions],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    storage: { managed_schema: 'managed_schema.json' },
    // chrome.identity.getAuthToken needs a "Chrome extension" OAuth client bound to this extension id.
    ...(chromeOAuthClientId ? { oauth2: { client_id: chromeOAuthClientId, scopes: ['openid', 'email', 'profile'] } } : {}),
  },
});
