import { createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, type JWTPayload } from 'jose';
import type { EmulatorApp } from './emulator-app.ts';
import type { Delegations } from './google-delegations.ts';
import { oauthError } from './google-errors.ts';
import { googleUserId, type TokenStore } from './google-tokens.ts';

export type EmulatedServiceAccount = { clientEmail: string; publicKeyPem: string; clientId: string };

export type OAuthOptions = {
  serviceAccounts: EmulatedServiceAccount[];
  /** Domain-wide delegation: which users each service account may act as, with which scopes. */
  delegations: Delegations;
  tokens: TokenStore;
  /** The service account's Google-managed key (what IAM Credentials `signJwt` signs with), when it has one. */
  managedKey(clientEmail: string): KeyObject | undefined;
  /**
   * The Google accounts signed in to the browser, for the authorize endpoint: the first is the one a silent sign-in
   * (`prompt=none`) gets; with several, an interactive sign-in shows an account chooser.
   */
  signedInUsers(): string[];
};

export type OAuthRoute = 'token' | 'tokeninfo' | 'authorize';

const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_LIFETIME_SEC = 3599;
const BAD_SIGNATURE = 'Invalid JWT Signature.';
const BAD_TIMES =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
const NOT_DELEGATED =
  'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.';

/** `POST /token` (JWT-bearer exchange), `GET|POST /tokeninfo` and `GET /o/oauth2/v2/auth` (implicit flow). */
export function registerOAuthRoutes({ app, route }: Pick<EmulatorApp<OAuthRoute>, 'app' | 'route'>, options: OAuthOptions): void {
  app.post('/token', route('token'), async (c) => {
    const form = (c.get('body') ?? {}) as Record<string, string>;
    if (form.grant_type !== JWT_BEARER) return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
    const claims = await verifyAssertion(form.assertion ?? '', options.serviceAccounts, options.managedKey);
    if (claims instanceof Response) return claims;
    const account = options.serviceAccounts.find((entry) => entry.clientEmail === claims.iss)!;
    const subject = typeof claims.sub === 'string' && claims.sub !== account.clientEmail ? claims.sub.toLowerCase() : undefined;
    const scopes = String(claims.scope).split(/\s+/).filter(Boolean);
    if (subject) {
      // Google refuses the whole exchange when any requested scope is not granted for the client id.
      const granted = options.delegations.granted(account.clientEmail, subject);
      if (!granted || (granted !== 'all' && !scopes.every((scope) => granted.includes(scope)))) {
        return oauthError(401, 'unauthorized_client', NOT_DELEGATED);
      }
    }
    const accessToken = options.tokens.issue(
      {
        email: subject ?? account.clientEmail,
        audience: account.clientId,
        scopes,
        emailVerified: true,
        serviceAccount: { clientEmail: account.clientEmail, delegated: Boolean(subject) },
      },
      TOKEN_LIFETIME_SEC,
    );
    return c.json({ access_token: accessToken, expires_in: TOKEN_LIFETIME_SEC, token_type: 'Bearer' });
  });

  // google-auth-library 11 POSTs with `Authorization: Bearer`; older clients send `?access_token=`.
  app.on(['GET', 'POST'], '/tokeninfo', route('tokeninfo'), (c) => {
    const form = c.get('body') as Record<string, string> | undefined;
    const accessToken =
      c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? c.req.query('access_token') ?? form?.access_token ?? '';
    const token = options.tokens.lookup(accessToken);
    if (!token) return oauthError(400, 'invalid_token', 'Invalid Value');
    const expiresIn = Math.floor((token.expiresAt - Date.now()) / 1000);
    return c.json({
      azp: token.audience,
      aud: token.audience,
      sub: googleUserId(token.email),
      scope: token.scopes.join(' '),
      exp: String(Math.floor(token.expiresAt / 1000)),
      expires_in: String(expiresIn),
      email: token.email,
      email_verified: String(token.emailVerified),
      access_type: 'online',
    });
  });

  // Implicit flow, as chrome.identity.launchWebAuthFlow drives it: answer at once with a token in the fragment — or,
  // for an interactive sign-in with several accounts and no login_hint, first a page to choose one (its links come
  // back here with `authuser`). A silent sign-in (`prompt=none`) never shows a page: the first account, or an error.
  app.get('/o/oauth2/v2/auth', route('authorize'), (c) => {
    const query = c.req.query();
    const {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: responseType,
      scope = '',
      state,
      login_hint,
      prompt,
      authuser,
    } = query;
    if (!clientId || !redirectUri) return c.text('Error 400: invalid_request\nMissing required parameter: client_id or redirect_uri', 400);
    const accounts = options.signedInUsers();
    const chosen = authuser && accounts.includes(authuser) ? authuser : undefined;
    if (!chosen && !login_hint && prompt !== 'none' && accounts.length > 1) return c.html(accountChooser(c.req.url, clientId, accounts));
    const email = chosen || login_hint || accounts[0];
    const fragment = new URLSearchParams();
    if (responseType !== 'token') fragment.set('error', 'unsupported_response_type');
    else if (!email) fragment.set('error', 'interaction_required');
    else {
      const scopes = scope.split(/\s+/).filter(Boolean);
      fragment.set('access_token', options.tokens.issue({ email, audience: clientId, scopes, emailVerified: true }, TOKEN_LIFETIME_SEC));
      fragment.set('token_type', 'Bearer');
      fragment.set('expires_in', String(TOKEN_LIFETIME_SEC));
      fragment.set('scope', scopes.join(' '));
    }
    if (state) fragment.set('state', state);
    // Spaces as %20 (not +), as Google writes them, so decodeURIComponent-based parsers read the scope right.
    return c.redirect(`${redirectUri}#${fragment.toString().replaceAll('+', '%20')}`, 302);
  });
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** Google's "Choose an account" page, plainly: one link per signed-in account, back to the authorize endpoint. */
function accountChooser(requestUrl: string, clientId: string, accounts: string[]): string {
  const choices = accounts
    .map((email) => {
      const url = new URL(requestUrl);
      url.searchParams.set('authuser', email);
      return `<li><a href="${escapeHtml(url.pathname + url.search)}" data-account="${escapeHtml(email)}"><span aria-hidden="true">${escapeHtml(email[0]!.toUpperCase())}</span>${escapeHtml(email)}</a></li>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in – Google Accounts (emulated)</title>
<style>
body{font-family:Roboto,Arial,sans-serif;background:#f0f4f9;margin:0;display:grid;place-items:center;min-height:100vh;color:#1f1f1f}
main{background:#fff;border-radius:28px;padding:36px 40px;width:min(420px,90vw)}
h1{font-weight:400;font-size:28px;margin:0 0 8px}p{margin:0 0 24px;color:#444}
ul{list-style:none;margin:0;padding:0;border-top:1px solid #e0e0e0}
a{display:flex;align-items:center;gap:12px;padding:14px 8px;border-bottom:1px solid #e0e0e0;color:inherit;text-decoration:none}
a:hover,a:focus-visible{background:#f3f6fc;outline:none}
a span{display:grid;place-items:center;width:28px;height:28px;border-radius:50%;background:#0b57d0;color:#fff;font-size:14px}
</style></head>
<body><main><h1>Choose an account</h1><p>to continue to ${escapeHtml(clientId)}</p><ul>${choices}</ul></main></body></html>`;
}

/** Checks the assertion as Google does; answers Google's error Response when it fails. */
async function verifyAssertion(
  assertion: string,
  accounts: EmulatedServiceAccount[],
  managedKey: OAuthOptions['managedKey'],
): Promise<JWTPayload | Response> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(assertion);
  } catch {
    return oauthError(400, 'invalid_grant', BAD_SIGNATURE);
  }
  const account = accounts.find((entry) => entry.clientEmail === claims.iss);
  if (!account) return oauthError(400, 'invalid_grant', BAD_SIGNATURE);
  // A user-managed key (the JSON key file) or the Google-managed one (keyless: signed by IAM Credentials).
  const keys = [createPublicKey(account.publicKeyPem), managedKey(account.clientEmail)].filter((key) => key !== undefined);
  const verified = await Promise.all(
    keys.map((key) =>
      compactVerify(assertion, key, { algorithms: ['RS256'] }).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!verified.includes(true)) return oauthError(400, 'invalid_grant', BAD_SIGNATURE);
  if (claims.aud !== TOKEN_AUDIENCE) return oauthError(400, 'invalid_grant', 'Invalid JWT: Failed audience check.');
  const now = Date.now() / 1000;
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= now || iat > now + 300 || exp <= iat || exp - iat > 3600) {
    return oauthError(400, 'invalid_grant', BAD_TIMES);
  }
  if (typeof claims.scope !== 'string' || !claims.scope.trim())
    return oauthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
  return claims;
}
