import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createButtonMounter, OWNERSHIP_RECHECK_MS, type Access, type ButtonKind, type MountedButton } from './button-mounter.ts';

const ID = '3f2c1a9e-8b7d-4c6e-9f01-23456789abcd';
const OTHER = '0b9f6c52-1111-4abc-8def-0123456789ab';
/** Another solver's session. */
const FOREIGN = '7d0c4e21-2222-4abc-9def-0123456789ab';
const HOST_TAG = 'savvysolve-meet-button';
const settings = {
  sessionUrlPatterns: ['https://app.savvysolve.com/sessions/:sessionId'],
  sessionHeaderSelector: '[data-savvysolve-session-header]',
};

type AccessAnswer = Access | (() => Promise<Access>);

/** A page whose URL the test changes, like an SPA router does; the solver owns `ID` and `OTHER`, not `FOREIGN`. */
function setup(access: AccessAnswer = 'meet', owned: string[] = [ID, OTHER]) {
  let clock = 0;
  const location = { href: `https://app.savvysolve.com/sessions/${ID}` };
  const win = { location, document };
  const mounts: { header: Element; sessionId: string; kind: ButtonKind }[] = [];
  const mount = vi.fn(async (header: Element, sessionId: string, kind: ButtonKind): Promise<MountedButton> => {
    const host = document.createElement(HOST_TAG);
    host.dataset.sessionId = sessionId;
    host.dataset.kind = kind;
    header.append(host);
    mounts.push({ header, sessionId, kind });
    return { header, sessionId, kind, host, remove: () => host.remove() };
  });
  const accessFn = vi.fn(typeof access === 'function' ? access : async () => access);
  const ownsSession = vi.fn(async (sessionId: string) => owned.includes(sessionId));
  const mounter = createButtonMounter({
    win,
    settings: () => settings,
    access: accessFn,
    ownsSession,
    mount,
    hostTag: HOST_TAG,
    now: () => clock,
  });
  return { mounter, location, mount, access: accessFn, ownsSession, mounts, tick: (ms: number) => (clock += ms) };
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
    const { mounter, mount, access, ownsSession } = setup('none');
    renderHeader();
    await mounter.reconcile();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    expect(mount).not.toHaveBeenCalled();
    expect(access).toHaveBeenCalledTimes(1);
    expect(ownsSession).not.toHaveBeenCalled();
  });

  it('treats a failing access check as "none", and asks again after sign-in changes', async () => {
    let failing = true;
    const { mounter, access } = setup(async () => {
      if (failing) throw new Error('SavvySolve Meet’s background did not answer');
      return 'meet';
    });
    renderHeader();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    failing = false;
    await mounter.resetEligibility();
    expect(buttons()).toHaveLength(1);
    expect(access).toHaveBeenCalledTimes(2);
  });

  it('shows no button on another solver’s session, and the button on the solver’s own', async () => {
    const { mounter, location, mounts, ownsSession } = setup('meet');
    location.href = `https://app.savvysolve.com/sessions/${FOREIGN}`;
    renderHeader();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    expect(ownsSession).toHaveBeenCalledWith(FOREIGN);

    location.href = `https://app.savvysolve.com/sessions/${ID}`;
    await mounter.reconcile();
    expect(mounts).toEqual([expect.objectContaining({ sessionId: ID, kind: 'meet' })]);
    // SPA back to the foreign session: the button goes, and the answer is remembered (no second ask).
    location.href = `https://app.savvysolve.com/sessions/${FOREIGN}`;
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
    expect(ownsSession.mock.calls.map(([id]) => id)).toEqual([FOREIGN, ID]);
  });

  it('asks a "no" again only after a while, however often a busy page re-renders', async () => {
    const { mounter, location, ownsSession, tick } = setup('meet');
    location.href = `https://app.savvysolve.com/sessions/${FOREIGN}`;
    renderHeader();
    for (let run = 0; run < 5; run++) await mounter.reconcile();
    expect(ownsSession).toHaveBeenCalledTimes(1);
    tick(OWNERSHIP_RECHECK_MS);
    await mounter.reconcile();
    expect(ownsSession).toHaveBeenCalledTimes(2);
  });

  it('treats a failing ownership check as "no"', async () => {
    const { mounter, ownsSession } = setup('meet');
    ownsSession.mockRejectedValueOnce(new Error('Can’t reach the SavvySolve Meet backend'));
    renderHeader();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(0);
  });

  it('signed out, puts the sign-in control on any session page, and the button once signed in', async () => {
    let access: Access = 'sign_in';
    const { mounter, location, mounts, ownsSession } = setup(async () => access);
    location.href = `https://app.savvysolve.com/sessions/${FOREIGN}`;
    renderHeader();
    await mounter.reconcile();
    expect(mounts).toEqual([expect.objectContaining({ sessionId: FOREIGN, kind: 'sign_in' })]);
    expect(ownsSession).not.toHaveBeenCalled();
    await mounter.reconcile();
    expect(buttons()).toHaveLength(1);

    // Signed in (as another solver than FOREIGN's): the control goes, and no button comes.
    access = 'meet';
    await mounter.resetEligibility();
    expect(buttons()).toHaveLength(0);
    location.href = `https://app.savvysolve.com/sessions/${ID}`;
    await mounter.reconcile();
    expect(buttons()).toHaveLength(1);
    expect((buttons()[0] as HTMLElement).dataset.kind).toBe('meet');
  });

  it('does not ask the backend on pages that are not session pages', async () => {
    const { mounter, location, access } = setup();
    location.href = 'https://app.savvysolve.com/reports';
    renderHeader();
    await mounter.reconcile();
    expect(access).not.toHaveBeenCalled();
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
