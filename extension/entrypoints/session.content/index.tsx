import { defineContentScript } from 'wxt/utils/define-content-script';
import { messageOf } from '../../../shared/errors.ts';
import { startMeetButton } from '../../features/meet-button/start-meet-button.tsx';

/**
 * Runs on the session pages' origins. It is registered at runtime by the background from the configured session URL
 * patterns (`matches` here are the default patterns' origins, which become required host permissions).
 */
export default defineContentScript({
  registration: 'runtime',
  matches: ['https://app.savvysolve.com/*'],
  cssInjectionMode: 'manual',
  noScriptStartedPostMessage: true,
  async main(ctx) {
    try {
      await startMeetButton(ctx);
    } catch (error) {
      // The page must never break because of us; an updated extension leaves this copy orphaned, which is expected.
      const message = messageOf(error);
      if (/context invalidated/i.test(message)) console.debug('[SavvySolve Meet]', message);
      else console.warn('[SavvySolve Meet]', message);
    }
  },
});
