import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot, type Root } from 'react-dom/client';
import type { ContentScriptContext } from 'wxt/utils/content-script-context';
import { createShadowRootUi } from 'wxt/utils/content-script-ui/shadow-root';
import { ExtensionError } from '../../lib/errors.ts';
import { onBroadcast, sendMessage } from '../../lib/messages.ts';
import type { SessionPageSettings } from '../../lib/page-detection.ts';
import { createButtonMounter, type Access, type ButtonKind, type MountedButton } from './button-mounter.ts';
import { MeetButton, SESSION_QUERY_ROOT, sessionQueryKey, type MeetButtonApi } from './meet-button.tsx';
import { MEET_BUTTON_CSS } from './meet-button-styles.ts';
import { SignInPrompt } from './sign-in-prompt.tsx';

export const HOST_TAG = 'savvysolve-meet-button';

const api: MeetButtonApi = {
  getSession: (sessionId) => sendMessage('sessions.get', { sessionId }),
  start: (sessionId) => sendMessage('meet.start', { sessionId }),
  open: (sessionId) => sendMessage('meet.open', { sessionId }),
};

/** Signed out (the background could not sign in silently either) → the sign-in control; any other failure → nothing. */
async function accessOfSolver(): Promise<Access> {
  try {
    return (await sendMessage('meet.canUse')).canUse ? 'meet' : 'none';
  } catch (error) {
    return error instanceof ExtensionError && error.code === 'signed_out' ? 'sign_in' : 'none';
  }
}

async function mountButton(
  ctx: ContentScriptContext,
  queryClient: QueryClient,
  header: Element,
  sessionId: string,
  kind: ButtonKind,
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
          {kind === 'meet' ? <MeetButton sessionId={sessionId} api={api} /> : <SignInPrompt openPanel={() => sendMessage('panel.open')} />}
        </QueryClientProvider>,
      );
      return root;
    },
    onRemove(root) {
      root?.unmount();
    },
  });
  ui.mount();
  return { sessionId, kind, header, host: ui.shadowHost, remove: () => ui.remove() };
}

/** The content script's one feature: the Meet button in the session header. */
export async function startMeetButton(ctx: ContentScriptContext): Promise<void> {
  // Through the background: extension storage is closed to content scripts (docs/guarantees.md).
  let settings: SessionPageSettings = await sendMessage('page.settings');
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 30_000 } } });

  const mounter = createButtonMounter({
    win: window,
    settings: () => settings,
    access: accessOfSolver,
    // Through the button's own query, so the button mounted next reads this answer instead of asking again.
    ownsSession: async (sessionId) =>
      (await queryClient.fetchQuery({ queryKey: sessionQueryKey(sessionId), queryFn: () => api.getSession(sessionId) })) !== null,
    mount: (header, sessionId, kind) => mountButton(ctx, queryClient, header, sessionId, kind),
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

  const stopBroadcasts = onBroadcast((message) => {
    if (message.event === 'settings.changed') {
      settings = message.settings;
      reconcile();
    }
    if (message.event === 'auth.changed') {
      queryClient.clear();
      void mounter.resetEligibility();
    }
    if (message.event === 'sessions.changed') void queryClient.invalidateQueries({ queryKey: [SESSION_QUERY_ROOT] });
  });
  ctx.onInvalidated(stopBroadcasts);

  await mounter.reconcile();
}
