/**
 * Session page URL patterns, as admins write them in the options page or in Chrome policy:
 *
 *   <scheme>://<host>[:<port>]/<path>
 *
 * - scheme: `http`, `https` or `*` (both);
 * - host: a host name, or `*.` + a domain (the domain and every subdomain), or `*` (any host);
 * - port: optional; when given only that port matches (`*` any port);
 * - path: literal segments, `*` for any characters, and at most one `:sessionId` — one UUID path segment,
 *   the session id. A pattern without `:sessionId` takes the id from the header's `data-session-id`.
 *
 * A path matches the pattern itself and anything below it: `/sessions/:sessionId` also matches
 * `/sessions/<uuid>/notes`. Query and fragment are ignored.
 */
export type SessionUrlPattern = {
  source: string;
  /** The Chrome match pattern of the pattern's origin (any path, any port): what host permission it needs. */
  originMatchPattern: string;
  capturesSessionId: boolean;
  /** `undefined` when the URL is not a session page; else the session id the URL carries, if any. */
  match(url: string): { sessionId: string | undefined } | undefined;
};

export class InvalidSessionUrlPattern extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`"${pattern}" is not a session URL pattern: ${reason}`);
    this.name = 'InvalidSessionUrlPattern';
  }
}

export const SESSION_ID_TOKEN = ':sessionId';
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PATTERN_SHAPE = /^(https?|\*):\/\/(\*|(?:\*\.)?[a-zA-Z0-9.-]+)(?::(\d{1,5}|\*))?(\/[^?#]*)$/;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function compilePath(path: string): RegExp {
  const parts = path.split(SESSION_ID_TOKEN);
  if (parts.length > 2) throw new Error(`use ${SESSION_ID_TOKEN} at most once`);
  const literal = (part: string) => part.split('*').map(escapeRegExp).join('.*');
  const body = parts.map(literal).join(`(?<sessionId>${UUID})`);
  const withoutTrailingSlash = body.endsWith('\\/') ? body.slice(0, -2) : body;
  return new RegExp(`^${withoutTrailingSlash}(?:\\/.*)?$`);
}

function hostMatcher(host: string): (hostname: string) => boolean {
  const wanted = host.toLowerCase();
  if (wanted === '*') return () => true;
  if (wanted.startsWith('*.')) {
    const domain = wanted.slice(2);
    return (hostname) => hostname === domain || hostname.endsWith(`.${domain}`);
  }
  return (hostname) => hostname === wanted;
}

/** Parses one pattern; throws {@link InvalidSessionUrlPattern} with the reason when it is malformed. */
export function compileSessionUrlPattern(source: string): SessionUrlPattern {
  const trimmed = source.trim();
  const shape = PATTERN_SHAPE.exec(trimmed);
  if (!shape) {
    throw new InvalidSessionUrlPattern(source, 'write it as https://host/path, e.g. https://app.savvysolve.com/sessions/:sessionId');
  }
  const [, scheme = '', host = '', port, path = '/'] = shape;
  let pathRegExp: RegExp;
  try {
    pathRegExp = compilePath(path);
  } catch (error) {
    throw new InvalidSessionUrlPattern(source, (error as Error).message);
  }
  const hostMatches = hostMatcher(host);
  const schemeMatches = (protocol: string) => (scheme === '*' ? protocol === 'http:' || protocol === 'https:' : protocol === `${scheme}:`);
  const portMatches = (actual: string, protocol: string) =>
    port === undefined || port === '*' || (actual || (protocol === 'https:' ? '443' : '80')) === port;

  return {
    source: trimmed,
    originMatchPattern: `${scheme}://${host.toLowerCase()}/*`,
    capturesSessionId: path.includes(SESSION_ID_TOKEN),
    match(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return undefined;
      }
      if (!schemeMatches(parsed.protocol) || !hostMatches(parsed.hostname) || !portMatches(parsed.port, parsed.protocol)) return undefined;
      const found = pathRegExp.exec(parsed.pathname);
      if (!found) return undefined;
      return { sessionId: found.groups?.sessionId?.toLowerCase() };
    },
  };
}

/** Checks a pattern without throwing: the reason it is invalid, or `undefined` when it is fine. */
export function sessionUrlPatternProblem(source: string): string | undefined {
  try {
    compileSessionUrlPattern(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Compiles the valid patterns and skips the others (settings are validated where they are entered). */
export function compileSessionUrlPatterns(sources: readonly string[]): SessionUrlPattern[] {
  return sources.flatMap((source) => {
    try {
      return [compileSessionUrlPattern(source)];
    } catch {
      return [];
    }
  });
}

/** The distinct origin match patterns the content script must run on. */
export function originMatchPatterns(sources: readonly string[]): string[] {
  return [...new Set(compileSessionUrlPatterns(sources).map((pattern) => pattern.originMatchPattern))];
}
