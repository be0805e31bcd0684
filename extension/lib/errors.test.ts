import { describe, expect, it } from 'vitest';
import { ExtensionError } from './errors.ts';

describe('ExtensionError', () => {
  it('is an Error carrying a code and, for backend answers, the HTTP status', () => {
    const error = new ExtensionError('rate_limited', 'Too many SMS resends; try again in 10 minutes.', 429);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ExtensionError', code: 'rate_limited', status: 429 });
    expect(error.message).toBe('Too many SMS resends; try again in 10 minutes.');
  });

  it('has no status for the extension’s own errors', () => {
    expect(new ExtensionError('bad_request', 'Invalid request.').status).toBeUndefined();
  });
});
