import { describe, expect, it, vi } from 'vitest';
import { missingOrigins, originPatternOf, requestOrigins, requiredOrigins } from './host-permissions.ts';

describe('host permissions', () => {
  it.each([
    ['http://localhost:8787', 'http://localhost/*'],
    ['https://meet-api.example.com/base', 'https://meet-api.example.com/*'],
    ['chrome://settings', undefined],
    ['nonsense', undefined],
  ])('the origin pattern of %s is %s', (url, pattern) => {
    expect(originPatternOf(url)).toBe(pattern);
  });

  it('needs the backend and the session page origins, once each', () => {
    expect(
      requiredOrigins({
        backendUrl: 'https://app.savvysolve.com:8443',
        sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId', 'https://*.savvysolve.com/s/:sessionId'],
      }),
    ).toEqual(['https://app.savvysolve.com/*', 'https://*.savvysolve.com/*']);
  });

  it('lists what is missing and requests it all at once', async () => {
    const granted = new Set(['http://localhost/*']);
    const permissions = {
      contains: vi.fn(async ({ origins }: { origins?: string[] }) => origins!.every((origin) => granted.has(origin))),
      request: vi.fn(async () => true),
    };
    expect(await missingOrigins(permissions, ['http://localhost/*', 'https://a.example.com/*'])).toEqual(['https://a.example.com/*']);
    expect(await requestOrigins(permissions, ['https://a.example.com/*'])).toBe(true);
    expect(permissions.request).toHaveBeenCalledWith({ origins: ['https://a.example.com/*'] });
    expect(await requestOrigins(permissions, [])).toBe(true);
    expect(permissions.request).toHaveBeenCalledTimes(1);
  });
});
