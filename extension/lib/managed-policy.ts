import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';

/**
 * Whether this extension context knows the Chrome policy yet: `checking` (the first read is under way; in a fresh
 * profile Chrome holds it ~3 s), `waiting` (Chrome answered nothing on an install not yet known to be unmanaged)
 * or `ready` (a policy is there, or the wait ended without one).
 */
export type PolicyState = 'checking' | 'waiting' | 'ready';

/** Chrome policy for the extension's settings (`storage.managed`), read only once Chrome can be trusted to have it. */
export type ManagedPolicy = {
  /**
   * The policy values (empty when there is none). On an install not yet known to be unmanaged, an empty answer is
   * not believed at once: this first waits for the policy (see {@link createManagedPolicy}).
   */
  read(): Promise<Record<string, unknown>>;
  /** Calls back with the state now and on every change; starts the first read if nothing has. */
  watchState(onState: (state: PolicyState) => void): () => void;
};

export type ManagedPolicyOptions = {
  /** The keys to read (the settings `managed_schema.json` declares). */
  keys: readonly string[];
  /** How often to ask again while waiting. */
  intervalMs?: number;
  /** How long to wait for a policy before going on without one. */
  windowMs?: number;
  /**
   * Whether Chrome installed this extension by policy (`true`), did not (`false`), or this context cannot tell
   * (`undefined`: content scripts have no `chrome.management`). Default: {@link installedByPolicy}.
   */
  installedByPolicy?: () => Promise<boolean | undefined>;
};

export const POLICY_POLL_INTERVAL_MS = 500;
export const POLICY_WAIT_WINDOW_MS = 10_000;

/**
 * Set once a wait ended without a policy, so later start-ups (a service worker waking, a panel opening) do not wait
 * again; cleared when a policy is seen, so a later empty answer is again not believed at once. The e2e fixture sets
 * it to skip the wait on profiles that are unmanaged by design (`test/e2e/support/extension-browser.ts`).
 */
export const noPolicyItem = storage.defineItem<boolean>('local:managedPolicyAbsent', { fallback: false });

/**
 * `chrome.management.getSelf().installType === 'admin'`: force-installed by policy (ExtensionInstallForcelist or
 * ExtensionSettings). `getSelf` needs no permission, but only extension pages and the worker have `management`.
 */
export async function installedByPolicy(): Promise<boolean | undefined> {
  if (typeof browser.management?.getSelf !== 'function') return undefined;
  try {
    return (await browser.management.getSelf()).installType === 'admin';
  } catch {
    return undefined;
  }
}

const hasValues = (values: Record<string, unknown>) => Object.values(values).some((value) => value !== undefined);

/**
 * How "is there a policy at all?" is decided. An install not made by policy (`installType` other than `admin`: the
 * Web Store by hand, unpacked, the demo) has none coming: it goes on at once. For a policy install, in a fresh profile `storage.managed.get()` can answer `{}` before
 * Chrome has loaded the policy (a policy that lands later applies some seconds after, with `storage.onChanged`). So
 * an empty answer only counts once this install is known to be unmanaged: until then every answer is awaited, asked
 * again every `intervalMs` and on each `managed` change, for up to `windowMs`; the first non-empty answer ends the
 * wait. A window that ends empty means an unmanaged install: settings go on without policy, and that is remembered
 * ({@link noPolicyItem}). A policy arriving even later still applies: `watchSettings` re-reads on every change.
 */
export function createManagedPolicy(options: ManagedPolicyOptions): ManagedPolicy {
  const intervalMs = options.intervalMs ?? POLICY_POLL_INTERVAL_MS;
  const windowMs = options.windowMs ?? POLICY_WAIT_WINDOW_MS;
  const byPolicy = options.installedByPolicy ?? installedByPolicy;
  let state: PolicyState = 'checking';
  let settled: Promise<void> | undefined;
  const watchers = new Set<(state: PolicyState) => void>();

  const setState = (next: PolicyState) => {
    if (next === state) return;
    state = next;
    for (const watcher of watchers) watcher(next);
  };

  /** The values, or `undefined` where managed storage does not exist (no schema, another browser): no policy, for sure. */
  const readValues = async (): Promise<Record<string, unknown> | undefined> => {
    try {
      return (await browser.storage.managed.get([...options.keys])) ?? {};
    } catch {
      return undefined;
    }
  };

  let policySeen = false;
  const rememberPolicySeen = async () => {
    if (policySeen) return;
    policySeen = true;
    if (await noPolicyItem.getValue()) await noPolicyItem.setValue(false);
  };

  const waitForPolicy = () =>
    new Promise<void>((resolve) => {
      let done = false;
      let asking = false;
      const finish = (outcome: 'policy' | 'none' | 'known unmanaged') => {
        if (done) return;
        done = true;
        clearInterval(poll);
        clearTimeout(deadline);
        browser.storage.onChanged.removeListener(onChanged);
        unwatchNoPolicy();
        const remember = outcome === 'policy' ? rememberPolicySeen() : outcome === 'none' ? noPolicyItem.setValue(true) : undefined;
        void remember?.catch(() => undefined);
        resolve();
      };
      const ask = async () => {
        if (asking || done) return;
        asking = true;
        try {
          const values = await readValues();
          if (values === undefined) finish('known unmanaged');
          else if (hasValues(values)) finish('policy');
        } finally {
          asking = false;
        }
      };
      const onChanged = (_changes: unknown, area: string) => {
        if (area === 'managed') void ask();
      };
      browser.storage.onChanged.addListener(onChanged);
      // Another context of this extension may end its window first: then this one believes it too.
      const unwatchNoPolicy = noPolicyItem.watch((absent) => absent && finish('known unmanaged'));
      const poll = setInterval(() => void ask(), intervalMs);
      const deadline = setTimeout(() => {
        void readValues().then((values) => finish(values && hasValues(values) ? 'policy' : 'none'));
      }, windowMs);
    });

  const settle = () =>
    (settled ??= (async () => {
      const values = await readValues();
      if (values !== undefined && !hasValues(values) && !(await noPolicyItem.getValue())) {
        // Only a policy install has a policy on its way; any other goes on at once (a policy that comes later
        // still applies). Saying so ends the wait of contexts that cannot tell (the content script).
        if ((await byPolicy()) === false) await noPolicyItem.setValue(true);
        else {
          setState('waiting');
          await waitForPolicy();
        }
      } else if (values && hasValues(values)) {
        void rememberPolicySeen().catch(() => undefined);
      }
    })()
      // Never stuck: whatever failed, settings go on with what can be read.
      .catch(() => undefined)
      .finally(() => setState('ready')));

  return {
    async read() {
      await settle();
      const values = (await readValues()) ?? {};
      if (hasValues(values)) void rememberPolicySeen().catch(() => undefined);
      return values;
    },
    watchState(onState) {
      watchers.add(onState);
      onState(state);
      void settle();
      return () => watchers.delete(onState);
    },
  };
}
