import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createManagedPolicy, noPolicyItem, type PolicyState } from './managed-policy.ts';

const KEYS = ['backendUrl', 'sessionHeaderSelector'];
const POLICY = { backendUrl: 'https://meet-api.example.com' };

/** Chrome's managed storage holding `POLICY`, but answering `{}` to the first `emptyAnswers` reads (not loaded yet). */
async function policyLoadedAfter(emptyAnswers: number) {
  await fakeBrowser.storage.managed.set(POLICY);
  const get = vi.spyOn(fakeBrowser.storage.managed, 'get');
  for (let i = 0; i < emptyAnswers; i++) get.mockResolvedValueOnce({} as never);
  return get;
}

function recordStates(policy: ReturnType<typeof createManagedPolicy>) {
  const states: PolicyState[] = [];
  policy.watchState((state) => states.push(state));
  return states;
}

describe('managed policy that arrives late', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('does not believe a first empty answer: asks again until the policy is there', async () => {
    const get = await policyLoadedAfter(2);
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 10, windowMs: 5_000 });
    const states = recordStates(policy);
    const started = Date.now();
    expect(await policy.read()).toEqual(POLICY);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(states).toEqual(['checking', 'waiting', 'ready']);
    expect(get).toHaveBeenCalledWith(KEYS);
    expect(await noPolicyItem.getValue()).toBe(false);
  });

  it('re-reads when Chrome reports a managed change, without waiting for the next poll', async () => {
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000 });
    const states = recordStates(policy);
    const read = policy.read();
    await vi.waitFor(() => expect(states).toEqual(['checking', 'waiting']));
    await fakeBrowser.storage.managed.set(POLICY);
    expect(await read).toEqual(POLICY);
    expect(states.at(-1)).toBe('ready');
  });

  it('goes on without policy when the window ends empty, and remembers that this install is unmanaged', async () => {
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 10, windowMs: 100 });
    const states = recordStates(policy);
    expect(await policy.read()).toEqual({});
    expect(states).toEqual(['checking', 'waiting', 'ready']);
    expect(await noPolicyItem.getValue()).toBe(true);

    // The next start-up (a service worker waking, a panel opening) believes an empty answer at once.
    const next = createManagedPolicy({ keys: KEYS, intervalMs: 10, windowMs: 60_000 });
    const nextStates = recordStates(next);
    expect(await next.read()).toEqual({});
    expect(nextStates).toEqual(['checking', 'ready']);
  });

  it('ends the wait when another context of the extension ended its own empty', async () => {
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000 });
    const states = recordStates(policy);
    const read = policy.read();
    await vi.waitFor(() => expect(states).toEqual(['checking', 'waiting']));
    await noPolicyItem.setValue(true);
    expect(await read).toEqual({});
  });

  it('takes a policy that is there at once without waiting, and forgets "unmanaged" once a policy is seen', async () => {
    await noPolicyItem.setValue(true);
    await fakeBrowser.storage.managed.set(POLICY);
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 10, windowMs: 60_000 });
    const states = recordStates(policy);
    expect(await policy.read()).toEqual(POLICY);
    expect(states).toEqual(['checking', 'ready']);
    await vi.waitFor(async () => expect(await noPolicyItem.getValue()).toBe(false));
  });

  it('does not wait where managed storage does not exist (no schema, another browser)', async () => {
    vi.spyOn(fakeBrowser.storage.managed, 'get').mockRejectedValue(new Error('Managed storage is not available'));
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 10, windowMs: 60_000 });
    const states = recordStates(policy);
    expect(await policy.read()).toEqual({});
    expect(states).toEqual(['checking', 'ready']);
  });

  it('waits once per context: concurrent and later reads share the first wait', async () => {
    const get = await policyLoadedAfter(2);
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 10, windowMs: 5_000 });
    const [first, second] = await Promise.all([policy.read(), policy.read()]);
    expect(first).toEqual(POLICY);
    expect(second).toEqual(POLICY);
    const calls = get.mock.calls.length;
    await policy.read();
    expect(get.mock.calls.length).toBe(calls + 1);
  });
});

describe('an install not made by policy', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const installType = (type: string) =>
    vi.spyOn(fakeBrowser.management, 'getSelf').mockResolvedValue({ installType: type } as never);

  it.each(['development', 'normal', 'sideload'])('%s: goes on at once, never waiting, and tells the other contexts', async (type) => {
    installType(type);
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000 });
    const states = recordStates(policy);
    expect(await policy.read()).toEqual({});
    expect(states).toEqual(['checking', 'ready']);
    expect(await noPolicyItem.getValue()).toBe(true);
  });

  it('still applies a policy that arrives later', async () => {
    installType('normal');
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000 });
    expect(await policy.read()).toEqual({});
    await fakeBrowser.storage.managed.set(POLICY);
    expect(await policy.read()).toEqual(POLICY);
    await vi.waitFor(async () => expect(await noPolicyItem.getValue()).toBe(false));
  });

  it('an admin (policy) install waits for its policy as before', async () => {
    installType('admin');
    const policy = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000 });
    const states = recordStates(policy);
    const read = policy.read();
    await vi.waitFor(() => expect(states).toEqual(['checking', 'waiting']));
    await fakeBrowser.storage.managed.set(POLICY);
    expect(await read).toEqual(POLICY);
  });

  it('a context that cannot tell (a content script) waits until one that can says there is no policy coming', async () => {
    const cannotTell = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000, installedByPolicy: async () => undefined });
    const states = recordStates(cannotTell);
    const read = cannotTell.read();
    await vi.waitFor(() => expect(states).toEqual(['checking', 'waiting']));
    const worker = createManagedPolicy({ keys: KEYS, intervalMs: 60_000, windowMs: 60_000, installedByPolicy: async () => false });
    await worker.read();
    expect(await read).toEqual({});
  });
});
