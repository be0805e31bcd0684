import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createButtonMounter, type MountedButton } from './button-mounter.ts';

const ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const OTHER = '0b9f6c52-1111-4abc-8def-0123456789ab';
const HOST_TAG = 'savvysolve-meet-button';
const settings = {
  sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId'],
  sessionHeaderSelector: '[data-savvysolve-session-header]',
};

/** A page whose URL the test changes, like an SPA router does. */
function setup(canUse: boolean | (() => Promise<boolean>) = true) {
  const location = { href: `https://app.savvysolve.com/sessions/${ID}` };
  const win = { location, document };
  const mounts: { header: Element; sessionId: string }[] = [];
  const mount = vi.fn(async (header: Element, sessionId: string): Promise<MountedButton> => {
    const host = document.createElement(HOST_TAG);
    host.dataset.sessionId = sessionId;
    header.append(host);
    mounts.push({ header, sessionId });
    return { header, sessionId, host, remove: () => host.remove() };
  });
  const canUseMeet = vi.fn(typeof canUse === 'function' ? canUse : async () => canUse);
  const mounter = createButtonMounter({ win, settings: () => settings, canUseMeet, mount, hostTag: HOST_TAG });
  return { mounter, location, mount, canUseMeet, mounts };
}

const renderHeader = (id = 'h1') => {
  document.body.insertAdjacentHTML('beforeend', `<header id="${id}" data-savvysolve-session-header><h1>Session</h1></header>`);
  return document.getElementById(id)!;
};
const buttons = () => document.querySelectorAll(HOST_TAG);

describe('Meet button mounting', () => {
  beforeEach(() => {
    document.body.innerHTML = '<main id="app"></main>';
  });

  it('mounts once the header renders late, and only once however often it is asked', async () => {
    const { mounter, mount } = setup();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);

    const header = renderHeader();
    await Promise.all([mounter.reconcile(), mounter.reconcile(), mounter.reconcile()]);
    await mounter.reconcile();
    expect(buttons()).toHaveLength(1);
    expect(buttons()[0]!.parentElement).toBe(header);
    expect(mount).toHaveBeenCalledTimes(1);
  });

  it('re-mounts for the new session after an SPA navigation, leaving one button', async () => {
    const { mounter, location, mounts } = setup();
    renderHeader();
    await mounter.reconcile();
    location.href = `https://app.savvysolve.com/sessions/${OTHER}`;
    await mounter.reconcile();
    expect(mounts.map((entry) => entry.sessionId)).toEqual([ID, OTHER]);
    expect(buttons()).toHaveLength(1);
    expect((buttons()[0] as HTMLElement).dataset.sessionId).toBe(OTHER);
  });

  it('follows a header the page re-rendered, and removes the button on other pages', async () => {
    const { mounter, location } = setup();
    renderHeader('old');
    await mounter.reconcile();
    document.getElementById('old')!.remove();
    const fresh = renderHeader('fresh');
    await mounter.reconcile();
    expect(buttons()).toHaveLength(1);
    expect(buttons()[0]!.parentElement).toBe(fresh);

    location.href = 'https://app.savvysolve.com/reports';
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    expect(mounter.mounted).toBeUndefined();
  });

  it('never mounts for a solver canUseMeet refuses (a contract solver), asking once', async () => {
    const { mounter, mount, canUseMeet } = setup(false);
    renderHeader();
    await mounter.reconcile();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    expect(mount).not.toHaveBeenCalled();
    expect(canUseMeet).toHaveBeenCalledTimes(1);
  });

  it('treats a failing canUseMeet (signed out) as "no", and asks again after sign-in changes', async () => {
    let signedIn = false;
    const { mounter, canUseMeet } = setup(async () => {
      if (!signedIn) throw new Error('Sign in to SavvySolve Meet');
      return true;
    });
    renderHeader();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    signedIn = true;
    await mounter.resetEligibility();
    expect(buttons()).toHaveLength(1);
    expect(canUseMeet).toHaveBeenCalledTimes(2);
  });

  it('does not ask the backend on pages that are not session pages', async () => {
    const { mounter, location, canUseMeet } = setup();
    location.href = 'https://app.savvysolve.com/reports';
    renderHeader();
    await mounter.reconcile();
    expect(canUseMeet).not.toHaveBeenCalled();
  });

  it('sweeps a stray button left by an older copy of the script', async () => {
    const { mounter } = setup();
    const header = renderHeader();
    header.append(document.createElement(HOST_TAG));
    await mounter.reconcile();
    expect(buttons()).toHaveLength(1);
    expect(buttons()[0]).toBe(mounter.mounted?.host);
  });

  it('removes the button when stopped', async () => {
    const { mounter } = setup();
    renderHeader();
    await mounter.reconcile();
    mounter.stop();
    expect(buttons()).toHaveLength(0);
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
  });
});
