import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot, type Root } from 'react-dom/client';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import { onBroadcast, sendMessage } from '../../lib/messages.ts';
import { loadSettings, watchSettings, type Settings } from '../../lib/settings.ts';
import { createButtonMounter, type MountedButton } from './button-mounter.ts';
import { MeetButton, SESSION_QUERY_ROOT, type MeetButtonApi } from './meet-button.tsx';
import { MEET_BUTTON_CSS } from './meet-button-styles.ts';

export const HOST_TAG = 'savvysolve-meet-button';

const api: MeetButtonApi = {
  getSession: (sessionId) => sendMessage('sessions.get', { sessionId }),
  start: (sessionId) => sendMessage('meet.start', { sessionId }),
  open: (sessionId, url) => sendMessage('meet.open', { sessionId, url }),
};

async function mountButton(
  ctx: ContentScriptContext,
  queryClient: QueryClient,
  header: Element,
  sessionId: string,
): Promise<MountedButton> {
  const ui = await createShadowRootUi<Root>(ctx, {
    name: HOST_TAG,
    position: 'inline',
    anchor: header,
    append: 'last',
    css: MEET_BUTTON_CSS,
    // Keys typed on the button must not reach the page's shortcuts.
    isolateEvents: true,
    onMount(container) {
      const root = createRoot(container);
      root.render(
        <QueryClientProvider client={queryClient}>
          <MeetButton sessionId={sessionId} api={api} />
        </QueryClientProvider>,
      );
      return root;
    },
    onRemove(root) {
      root?.unmount();
    },
  });
  ui.mount();
  return { sessionId, header, host: ui.shadowHost, remove: () => ui.remove() };
}

/** The content script's one feature: the Meet button in the session header. */
export async function startMeetButton(ctx: ContentScriptContext): Promise<void> {
  let settings: Settings = (await loadSettings()).values;
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 30_000 } } });

  const mounter = createButtonMounter({
    win: window,
    settings: () => settings,
    canUseMeet: async () => (await sendMessage('meet.canUse')).canUse,
    mount: (header, sessionId) => mountButton(ctx, queryClient, header, sessionId),
    hostTag: HOST_TAG,
  });
  const reconcile = () => void mounter.reconcile();

  const observer = new MutationObserver(reconcile);
  observer.observe(document.documentElement, { childList: true, subtree: true });
  ctx.onInvalidated(() => {
    observer.disconnect();
    mounter.stop();
  });
  ctx.addEventListener(window, 'wxt:locationchange', reconcile);
  ctx.addEventListener(window, 'popstate', reconcile);

  const stopSettings = watchSettings((resolved) => {
    settings = resolved.values;
    reconcile();
  });
  const stopBroadcasts = onBroadcast((message) => {
    if (message.event === 'auth.changed') {
      queryClient.clear();
      void mounter.resetEligibility();
    }
    if (message.event === 'sessions.changed') void queryClient.invalidateQueries({ queryKey: [SESSION_QUERY_ROOT] });
  });
  ctx.onInvalidated(() => {
    stopSettings();
    stopBroadcasts();
  });

  await mounter.reconcile();
}
