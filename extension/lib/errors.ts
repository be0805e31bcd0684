/**
 * The extension's one error class: every failure the extension raises itself, or carries across the message
 * boundary, is an `ExtensionError` with a `code` (and an HTTP `status` when it came from the backend). `messages.ts`
 * serializes `{ code, message, status }` for the sender and rebuilds an `ExtensionError` on the other side.
 *
 * Codes in use:
 * - the backend's own `{ error: { code, message } }` codes (`ERROR_CODES` in `shared/errors.ts`): `bad_request`,
 *   `invalid_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `payload_too_large`,
 *   `unsupported_media_type`, `rate_limited`, `upstream_unavailable`, `not_configured`, `internal_error` — with the
 *   response's `status`;
 * - `network` (status `0`): the backend could not be reached or did not answer in time (a timeout is `network` too);
 * - `internal_error`: the backend failed with a body that is not its error shape;
 * - `bad_response`: the backend answered in a shape this extension does not know;
 * - `identity`: getting a Google access token failed (Chrome or the web auth flow, a timeout included);
 * - `signed_out`: nobody is signed in to the extension;
 * - `bad_request`: the background refused a request (invalid payload, a link that is not a web link, …);
 * - `context_invalidated`: the extension was reloaded under a page's content script;
 * - `unreachable`: the background did not answer the message (`no_answer`: it answered nothing);
 * - `unknown_message`: the background has no handler for the request;
 * - `internal`: a handler threw something without a code.
 */
export class ExtensionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The backend's HTTP status (`0` when it could not be reached); absent for the extension's own errors. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ExtensionError';
  }
}
