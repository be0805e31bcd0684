import { ReleaseError } from './extension-key.ts';
import { packageSelfhost, SELFHOST_DIR } from './package-selfhost.ts';

// `npm run package:selfhost`: the signed CRX3 and updates.xml an organization hosts itself (docs/extension.md).
const signingKeyFile = process.env.EXTENSION_SIGNING_KEY_FILE;
const updateBaseUrl = process.env.EXTENSION_UPDATE_BASE_URL;
if (!signingKeyFile || !updateBaseUrl) {
  console.error(
    'Set EXTENSION_SIGNING_KEY_FILE (the PEM key the extension is signed with) and EXTENSION_UPDATE_BASE_URL (where the ' +
      'CRX and updates.xml will be served), e.g.\n  EXTENSION_SIGNING_KEY_FILE=~/keys/savvysolve-meet.pem ' +
      'EXTENSION_UPDATE_BASE_URL=https://tools.example.com/meet npm run package:selfhost',
  );
  process.exit(1);
}

try {
  const result = await packageSelfhost({ signingKeyFile, updateBaseUrl, version: process.env.SAVVYSOLVE_EXTENSION_VERSION });
  console.log(`
Extension id: ${result.id}
Version:      ${result.version}
Package:      ${result.crxFile}
Update file:  ${result.updatesFile}

Upload both files to ${updateBaseUrl} (the CRX as application/x-chrome-extension), then:
  OAuth client redirect URI:  https://${result.id}.chromiumapp.org/
  ExtensionInstallForcelist:  ${result.id};${result.updateUrl}
  Policy files:               npm run admin -- policy --extension-id ${result.id} --update-url ${result.updateUrl} --format json
Keep ${SELFHOST_DIR}/updates.xml: the next release must carry a higher version.`);
} catch (error) {
  if (error instanceof ReleaseError) {
    console.error(`Error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
