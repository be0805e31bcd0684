/** Words shown in more than one place, kept identical. */
export const FALLBACK_NOTICE = 'Calendar unavailable — a new Meet was opened; the customer was not texted';
