import { detectSessionPage, type PageWindow, type SessionPageSettings } from '../../lib/page-detection.ts';

/** One mounted button: where it is and how to take it away. */
export type MountedButton = {
  sessionId: string;
  header: Element;
  host: Element;
  remove(): void;
};

export type ButtonMounterDeps = {
  win: PageWindow;
  settings: () => SessionPageSettings;
  /** Whether the signed-in solver may use Meet (false when signed out or on any failure). */
  canUseMeet: () => Promise<boolean>;
  mount: (header: Element, sessionId: string) => Promise<MountedButton>;
  /** Tag of the shadow host, to sweep strays (e.g. left by an older copy of the script). */
  hostTag: string;
};

/**
 * Keeps exactly one Meet button in the session header: mounts it when the header appears (also late), moves it
 * to a new header after a re-render, re-mounts it for another session after an SPA navigation, and removes it
 * elsewhere. Every trigger calls {@link reconcile}; runs never overlap, so there are never two buttons.
 */
export function createButtonMounter(deps: ButtonMounterDeps) {
  let current: MountedButton | undefined;
  let eligibility: Promise<boolean> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const isInPlace = (mounted: MountedButton, header: Element, sessionId: string) =>
    mounted.sessionId === sessionId && mounted.header === header && mounted.host.isConnected && mounted.host.parentElement === header;

  function unmount() {
    current?.remove();
    current = undefined;
  }

  function sweepStrays(document: ParentNode) {
    for (const host of Array.from(document.querySelectorAll(deps.hostTag))) {
      if (host !== current?.host) host.remove();
    }
  }

  async function runOnce() {
    const detection = detectSessionPage(deps.win, deps.settings());
    if (detection.kind !== 'session') return unmount();
    if (current && isInPlace(current, detection.header, detection.sessionId)) return;
    eligibility ??= deps.canUseMeet().catch(() => false);
    if (!(await eligibility) || stopped) return unmount();
    // The page may have changed while we waited: look again.
    const now = detectSessionPage(deps.win, deps.settings());
    if (now.kind !== 'session') return unmount();
    if (current && isInPlace(current, now.header, now.sessionId)) return;
    unmount();
    const mounted = await deps.mount(now.header, now.sessionId);
    if (stopped) return mounted.remove();
    current = mounted;
    sweepStrays(now.header.ownerDocument ?? now.header.getRootNode());
  }

  /** Brings the page in line with what it should show; calls during a run are folded into one more run. */
  function reconcile(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await runOnce();
        } while (again && !stopped);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  return {
    reconcile,
    /** Sign-in changed: ask canUseMeet again on the next run. */
    resetEligibility() {
      eligibility = undefined;
      // A solver who just lost access must not keep the button.
      unmount();
      return reconcile();
    },
    stop() {
      stopped = true;
      unmount();
    },
    get mounted(): MountedButton | undefined {
      return current;
    },
  };
}

export type ButtonMounter = ReturnType<typeof createButtonMounter>;
