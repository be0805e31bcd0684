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
});
