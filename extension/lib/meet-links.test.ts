import { describe, expect, it } from 'vitest';
import { isMeetLinkToOpen, OPENS_LOOPBACK_MEET_ROOMS } from './meet-links.ts';

describe('the Meet links this build opens', () => {
  it('is a development build under test: Meet links and the emulator’s loopback rooms, nothing else', () => {
    expect(OPENS_LOOPBACK_MEET_ROOMS).toBe(true);
    expect(isMeetLinkToOpen('https://meet.google.com/abc-defg-hij')).toBe(true);
    expect(isMeetLinkToOpen('http://127.0.0.1:4100/meet/abc-defg-hij')).toBe(true);
    expect(isMeetLinkToOpen('https://evil.example/meet/abc-defg-hij')).toBe(false);
  });
});
