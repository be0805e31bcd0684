import { detectSessionPage, type PageWindow, type SessionPageSettings } from '../../lib/page-detection.ts';

/**
 * What goes in a session header: the Meet button (`meet`), or — signed out — the quiet "Sign in to start a video
 * call" control (`sign_in`).
 */
export type ButtonKind = 'meet' | 'sign_in';

/** What the signed-in solver may do: use Meet, not use it (a contract solver, or any failure), or sign in first. */
export type Access = 'meet' | 'none' | 'sign_in';

/** One mounted control: where it is, what it is and how to take it away. */
export type MountedButton = {
  sessionId: string;
  kind: ButtonKind;
  header: Element;
  host: Element;
  remove(): void;
};

export type ButtonMounterDeps = {
  win: PageWindow;
  settings: () => SessionPageSettings;
  /** Asked once, then again after each sign-in change; a failure counts as `none`. */
  access: () => Promise<Access>;
  /** Whether the session is the signed-in solver's own (another solver's session gets no button); a failure is "no". */
  ownsSession: (sessionId: string) => Promise<boolean>;
  mount: (header: Element, sessionId: string, kind: ButtonKind) => Promise<MountedButton>;
  /** Tag of the shadow host, to sweep strays (e.g. left by an older copy of the script). */
  hostTag: string;
  now?: () => number;
};

/**
 * A "no" is asked again after this long, when the page changes: a session can be reassigned to the solver, and a
 * failure may pass. Busy pages re-render constantly; this keeps them from asking the background on every change.
 */
export const OWNERSHIP_RECHECK_MS = 30_000;

/**
 * Keeps exactly one control in the session header: mounts it when the header appears (also late), moves it to a new
 * header after a re-render, re-mounts it for another session after an SPA navigation, and removes it elsewhere.
 * The Meet button goes only on the solver's own sessions; signed out, every session page gets the sign-in control.
 * Every trigger calls {@link reconcile}; runs never overlap, so there are never two controls.
 */
export function createButtonMounter(deps: ButtonMounterDeps) {
  const now = deps.now ?? Date.now;
  let current: MountedButton | undefined;
  let access: Promise<Access> | undefined;
  const ownership = new Map<string, { at: number; owns: Promise<boolean> }>();
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const isInPlace = (mounted: MountedButton, header: Element, sessionId: string, kind: ButtonKind) =>
    mounted.sessionId === sessionId &&
    mounted.kind === kind &&
    mounted.header === header &&
    mounted.host.isConnected &&
    mounted.host.parentElement === header;

  function unmount() {
    current?.remove();
    current = undefined;
  }

  function sweepStrays(document: ParentNode) {
    for (const host of Array.from(document.querySelectorAll(deps.hostTag))) {
      if (host !== current?.host) host.remove();
    }
  }

  async function owns(sessionId: string): Promise<boolean> {
    const known = ownership.get(sessionId);
    if (known && (now() - known.at < OWNERSHIP_RECHECK_MS || (await known.owns))) return known.owns;
    const owns = deps.ownsSession(sessionId).catch(() => false);
    ownership.set(sessionId, { at: now(), owns });
    return owns;
  }

  /** What this session page should show, or nothing. */
  async function wanted(sessionId: string): Promise<ButtonKind | undefined> {
    access ??= deps.access().catch((): Access => 'none');
    const allowed = await access;
    if (allowed === 'sign_in') return 'sign_in';
    if (allowed === 'none') return undefined;
    return (await owns(sessionId)) ? 'meet' : undefined;
  }

  async function runOnce() {
    const detection = detectSessionPage(deps.win, deps.settings());
    if (detection.kind !== 'session') return unmount();
    if (current && isInPlace(current, detection.header, detection.sessionId, current.kind)) return;
    const kind = await wanted(detection.sessionId);
    if (!kind || stopped) return unmount();
    // The page may have changed while we waited: look again.
    const latest = detectSessionPage(deps.win, deps.settings());
    if (latest.kind !== 'session') return unmount();
    // Another session by now: decide for that one.
    if (latest.sessionId !== detection.sessionId) return void (again = true);
    if (current && isInPlace(current, latest.header, latest.sessionId, kind)) return;
    unmount();
    const mounted = await deps.mount(latest.header, latest.sessionId, kind);
    if (stopped) return mounted.remove();
    current = mounted;
    sweepStrays(latest.header.ownerDocument ?? latest.header.getRootNode());
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
    /** Sign-in changed: ask access and ownership again on the next run. */
    resetEligibility() {
      access = undefined;
      ownership.clear();
      // A solver who just lost access (or signed out) must not keep the button.
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
