import { describe, expect, it } from 'vitest';
import { calendarEventIdFor } from './event-id.ts';

describe('calendarEventIdFor', () => {
  it('is a valid base32hex Calendar id, stable per session and distinct across sessions', () => {
    const a = calendarEventIdFor('3F2504E0-4F89-11D3-9A0C-0305E82C3301');
    expect(a).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(calendarEventIdFor('3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe(a);
    expect(calendarEventIdFor('3f2504e0-4f89-11d3-9a0c-0305e82c3302')).not.toBe(a);
  });
});
