import { useEffect, useState } from 'react';
import type { ManagedPolicy, PolicyState } from '../managed-policy.ts';

/** The Chrome policy's state in this page (`checking` until the first answer), following its changes. */
export function usePolicyState(policy: Pick<ManagedPolicy, 'watchState'>): PolicyState {
  const [state, setState] = useState<PolicyState>('checking');
  useEffect(() => policy.watchState(setState), [policy]);
  return state;
}

export const WAITING_FOR_POLICY = 'Waiting for your organization’s settings';

/**
 * Shown instead of the page while a fresh install waits for Chrome to deliver the organization's policy, so nothing
 * is signed in or saved against the wrong backend meanwhile. It ends by itself (policy or not) within seconds.
 */
export function WaitingForPolicy() {
  return (
    <section className="card card--center" aria-labelledby="waiting-for-policy-title" data-testid="waiting-for-policy">
      <h2 id="waiting-for-policy-title" className="card__title">
        {WAITING_FOR_POLICY}
      </h2>
      <p className="muted">
        Chrome is still loading the settings your organization may have set for SavvySolve Meet. This takes a few seconds the first time,
        and then SavvySolve Meet carries on by itself.
      </p>
    </section>
  );
}
