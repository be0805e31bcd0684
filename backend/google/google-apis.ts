/**
 * The googleapis clients the backend uses, imported in this one place. googleapis' package entry loads every one of
 * its ~450 API modules (measured on the 2-core machine under load: 5.9 s against 0.8 s for these three), which every
 * backend start and every test process would pay; so the API modules used are imported directly, here only.
 * Swap these lines for `import { calendar_v3, iamcredentials_v1, meet_v2 } from 'googleapis'` if that cost stops
 * mattering.
 */
export { calendar_v3 } from 'googleapis/build/src/apis/calendar/v3.js';
export { iamcredentials_v1 } from 'googleapis/build/src/apis/iamcredentials/v1.js';
export { meet_v2 } from 'googleapis/build/src/apis/meet/v2.js';
export { workspaceevents_v1 } from 'googleapis/build/src/apis/workspaceevents/v1.js';
