import { describe, expect, it } from 'vitest';
import { detectSessionPage, type PageWindow } from './page-detection.ts';

const ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const OTHER = '0b9f6c52-1111-4abc-8def-0123456789ab';
const settings = {
  sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId', 'https://app.savvysolve.com/console/*'],
  sessionHeaderSelector: '[data-savvysolve-session-header]',
};

/** A page as page detection sees it: a URL and some HTML. */
function page(url: string, html: string): PageWindow {
  const document = new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, 'text/html');
  return { location: { href: url }, document };
}

const HEADER = '<header data-savvysolve-session-header><h1>Session</h1></header>';

describe('detectSessionPage', () => {
  it.each([
    ['a session page with its header', `https://app.savvysolve.com/sessions/${ID}`, HEADER, { kind: 'session', sessionId: ID }],
    [
      'a session page before its header renders',
      `https://app.savvysolve.com/sessions/${ID}`,
      '<main>Loading…</main>',
      { kind: 'waiting-for-header', sessionId: ID },
    ],
    ['another page of the app', 'https://app.savvysolve.com/reports', HEADER, { kind: 'other' }],
    ['another site', `https://example.com/sessions/${ID}`, HEADER, { kind: 'other' }],
    [
      'an id-less URL with data-session-id on the header',
      'https://app.savvysolve.com/console/queue',
      `<header data-savvysolve-session-header data-session-id="${ID.toUpperCase()}"></header>`,
      { kind: 'session', sessionId: ID },
    ],
    [
      'an id-less URL with data-session-id elsewhere',
      'https://app.savvysolve.com/console/queue',
      `${HEADER}<div data-session-id="${ID}"></div>`,
      { kind: 'session', sessionId: ID },
    ],
    [
      'the URL winning over a stale data-session-id',
      `https://app.savvysolve.com/sessions/${ID}`,
      `<header data-savvysolve-session-header data-session-id="${OTHER}"></header>`,
      { kind: 'session', sessionId: ID },
    ],
    ['an id-less URL and no id anywhere', 'https://app.savvysolve.com/console/queue', HEADER, { kind: 'no-session-id' }],
    [
      'a data-session-id that is not a UUID',
      'https://app.savvysolve.com/console/queue',
      '<header data-savvysolve-session-header data-session-id="42"></header>',
      { kind: 'no-session-id' },
    ],
  ])('recognises %s', (_case, url, html, expected) => {
    const detection = detectSessionPage(page(url, html), settings);
    expect(detection).toMatchObject(expected);
    if (detection.kind === 'session') expect(detection.header.matches(settings.sessionHeaderSelector)).toBe(true);
  });

  it('treats a malformed header selector as "no header" instead of throwing', () => {
    const detection = detectSessionPage(page(`https://app.savvysolve.com/sessions/${ID}`, HEADER), {
      ...settings,
      sessionHeaderSelector: '[[[',
    });
    expect(detection).toEqual({ kind: 'waiting-for-header', sessionId: ID });
  });
});
