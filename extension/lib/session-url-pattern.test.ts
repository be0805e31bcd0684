import { describe, expect, it } from 'vitest';
import { compileSessionUrlPattern, originMatchPatterns, sessionUrlPatternProblem } from './session-url-pattern.ts';

const ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';

describe('session URL patterns', () => {
  it.each([
    ['https://app.savvysolve.com/sessions/:sessionId', `https://app.savvysolve.com/sessions/${ID}`, ID],
    ['https://app.savvysolve.com/sessions/:sessionId', `https://app.savvysolve.com/sessions/${ID}/notes?tab=1#x`, ID],
    ['https://app.savvysolve.com/sessions/:sessionId', `https://app.savvysolve.com/sessions/${ID.toUpperCase()}`, ID],
    ['https://*.savvysolve.com/s/:sessionId', `https://eu.app.savvysolve.com/s/${ID}`, ID],
    ['https://*.savvysolve.com/s/:sessionId', `https://savvysolve.com/s/${ID}`, ID],
    ['*://localhost/sessions/:sessionId', `http://localhost:5173/sessions/${ID}`, ID],
    ['http://127.0.0.1:*/sessions/:sessionId', `http://127.0.0.1:4000/sessions/${ID}`, ID],
    ['https://app.savvysolve.com/console/*', 'https://app.savvysolve.com/console/queue/7', undefined],
    ['https://app.savvysolve.com/t/*/session/:sessionId', `https://app.savvysolve.com/t/acme/session/${ID}`, ID],
  ])('%s matches %s', (pattern, url, sessionId) => {
    expect(compileSessionUrlPattern(pattern).match(url)).toEqual({ sessionId });
  });

  it.each([
    ['https://app.savvysolve.com/sessions/:sessionId', `http://app.savvysolve.com/sessions/${ID}`, 'another scheme'],
    ['https://app.savvysolve.com/sessions/:sessionId', `https://evil.com/sessions/${ID}`, 'another host'],
    ['https://app.savvysolve.com/sessions/:sessionId', `https://app.savvysolve.com.evil.com/sessions/${ID}`, 'a look-alike host'],
    ['https://*.savvysolve.com/s/:sessionId', `https://notsavvysolve.com/s/${ID}`, 'a suffix that is not a subdomain'],
    ['https://app.savvysolve.com/sessions/:sessionId', 'https://app.savvysolve.com/sessions/new', 'a non-UUID id'],
    ['https://app.savvysolve.com/sessions/:sessionId', `https://app.savvysolve.com/sessions/${ID}x`, 'a longer segment'],
    ['https://app.savvysolve.com/sessions/:sessionId', 'https://app.savvysolve.com/sessions', 'the list page'],
    ['http://localhost:8080/sessions/:sessionId', `http://localhost:9090/sessions/${ID}`, 'another port'],
    ['https://app.savvysolve.com/sessions/:sessionId', 'not a url', 'garbage'],
  ])('%s does not match %s (%s)', (pattern, url) => {
    expect(compileSessionUrlPattern(pattern).match(url)).toBeUndefined();
  });

  it('gives the origin as a Chrome match pattern, any port', () => {
    expect(compileSessionUrlPattern('http://localhost:5173/sessions/:sessionId').originMatchPattern).toBe('http://localhost/*');
    expect(originMatchPatterns(['https://A.example.com/x/:sessionId', 'https://a.example.com/y', 'bad'])).toEqual([
      'https://a.example.com/*',
    ]);
  });

  it.each([
    ['app.savvysolve.com/sessions/:sessionId', /https:\/\/host\/path/],
    ['ftp://app.savvysolve.com/x', /https:\/\/host\/path/],
    ['https://app.savvysolve.com', /https:\/\/host\/path/],
    ['https://app.savvysolve.com/:sessionId/:sessionId', /at most once/],
  ])('explains why %s is invalid', (pattern, reason) => {
    expect(sessionUrlPatternProblem(pattern)).toMatch(reason);
  });
});
