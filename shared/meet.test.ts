import { describe, expect, it } from 'vitest';
import { isOpenableMeetLink } from './meet.ts';

describe('the links the extension may open', () => {
  it.each(['https://meet.google.com/abc-defg-hij', 'https://meet.google.com/new'])('accepts %s', (url) => {
    expect(isOpenableMeetLink(url)).toBe(true);
  });

  it.each([
    'https://evil.example/abc-defg-hij',
    'http://meet.google.com/abc-defg-hij',
    'https://meet.google.com.evil.example/abc-defg-hij',
    'https://meet.google.com/abc-defg-hij?authuser=evil',
    'https://meet.google.com/abc-defg-hij#x',
    'https://meet.google.com/ABC-DEFG-HIJ',
    'https://meet.google.com/',
    'https://meet.google.com/new/x',
    'https://user@meet.google.com/abc-defg-hij',
    'javascript:alert(1)',
    '',
    null,
    42,
  ])('refuses %j', (url) => {
    expect(isOpenableMeetLink(url)).toBe(false);
  });

  it('opens the loopback stand-in rooms of the test emulator only when asked to (development and test builds)', () => {
    expect(isOpenableMeetLink('http://127.0.0.1:4100/meet/abc-defg-hij')).toBe(false);
    expect(isOpenableMeetLink('http://127.0.0.1:4100/meet/abc-defg-hij', { loopbackRooms: true })).toBe(true);
    expect(isOpenableMeetLink('http://localhost:4100/meet/abc-defg-hij', { loopbackRooms: true })).toBe(true);
    for (const url of [
      'http://evil.example:4100/meet/abc-defg-hij',
      'http://127.0.0.1:4100/abc-defg-hij',
      'http://127.0.0.1:4100/meet/x',
    ]) {
      expect(isOpenableMeetLink(url, { loopbackRooms: true })).toBe(false);
    }
  });
});
