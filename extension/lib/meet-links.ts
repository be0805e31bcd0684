import { isOpenableMeetLink } from '../../shared/index.ts';

/** Set by `wxt.config.ts`: `false` in the store build (`npm run zip`), `true` in development and test builds. */
declare const __SAVVYSOLVE_LOOPBACK_MEET_ROOMS__: boolean | undefined;

/**
 * Whether this build also opens the test emulator's loopback Meet rooms (`http://127.0.0.1:<port>/meet/<code>`):
 * the e2e tests and the demo run Meet on this machine. The store build opens Meet links only.
 */
export const OPENS_LOOPBACK_MEET_ROOMS = typeof __SAVVYSOLVE_LOOPBACK_MEET_ROOMS__ === 'boolean' && __SAVVYSOLVE_LOOPBACK_MEET_ROOMS__;

/** Whether the extension may open `url` for a session: the shared contract's Meet links (see `shared/meet.ts`). */
export const isMeetLinkToOpen = (url: unknown): url is string => isOpenableMeetLink(url, { loopbackRooms: OPENS_LOOPBACK_MEET_ROOMS });
