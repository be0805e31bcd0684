import { browser } from 'wxt/browser';
import { messageOf } from '../../../shared/errors.ts';
import type { ConnectRealtime } from '../../features/session-list/live-updates.ts';
import { SessionList } from '../../features/session-list/session-list.tsx';
import { AccountHeader } from '../../features/sign-in/account-header.tsx';
import { SignInCard } from '../../features/sign-in/sign-in-card.tsx';
import { useAuthState, useBackendHealth, useSignIn, useSignOut } from '../../features/sign-in/use-auth.ts';
import type { ManagedPolicy } from '../../lib/managed-policy.ts';
import type { AuthState } from '../../lib/messages.ts';
import { BackendDown, isBackendDown } from '../../lib/ui/backend-down.tsx';
import { Logo } from '../../lib/ui/logo.tsx';
import { usePolicyState, WaitingForPolicy } from '../../lib/ui/waiting-for-policy.tsx';

const openSettings = () => void browser.runtime.openOptionsPage();

/**
 * Signed out: the sign-in card — or, when the backend does not answer, that alone (signing in needs it). The last
 * sign-in's "could not reach" is stale once the backend answers again, so it is then left out of the card.
 */
function SignedOut({ state }: { state: Extract<AuthState, { status: 'signed_out' }> }) {
  const signIn = useSignIn();
  const health = useBackendHealth(state.problem ? `${state.problem.code}: ${state.problem.message}` : '');
  // While the first answer is awaited, the last sign-in's problem tells (the sign-in card shows at once otherwise).
  const down = isBackendDown(health.error)
    ? health.error.message
    : isBackendDown(signIn.error)
      ? signIn.error.message
      : health.isPending && state.problem?.code === 'network'
        ? state.problem.message
        : undefined;

  if (down) {
    return (
      <BackendDown
        message={down}
        retrying={health.isFetching}
        onRetry={() => {
          signIn.reset();
          void health.refetch();
        }}
        onOpenSettings={openSettings}
      />
    );
  }
  // While a sign-in is under way (at start-up the silent one), the last one's problem is not news.
  const problem = state.problem?.code === 'network' || state.signingIn ? undefined : state.problem;
  return (
    <SignInCard
      problem={problem}
      onSignIn={() => signIn.mutate()}
      pending={signIn.isPending || state.signingIn === true}
      error={signIn.error ? messageOf(signIn.error) : undefined}
    />
  );
}

/** Who is signed in (or why not) and their active sessions. */
function Account({ connect }: { connect: ConnectRealtime }) {
  const auth = useAuthState();
  const signOut = useSignOut();
  return (
    <>
      {auth.isPending && <p className="muted">Loading…</p>}
      {auth.isError && (
        <p className="notice notice--error" role="alert">
          {messageOf(auth.error)}
        </p>
      )}
      {auth.data?.status === 'signed_out' && <SignedOut state={auth.data} />}
      {auth.data?.status === 'signed_in' && (
        <>
          <AccountHeader solver={auth.data.solver} onSignOut={() => signOut.mutate()} signingOut={signOut.isPending} />
          <SessionList key={auth.data.solver.id} solverId={auth.data.solver.id} connect={connect} onOpenSettings={openSettings} />
        </>
      )}
    </>
  );
}

/**
 * The side panel. Nothing asks the background for anything until Chrome policy is known: on a fresh install the
 * organization's backend may still be on its way (`lib/managed-policy.ts`).
 */
export function SidePanelApp({ connect, policy }: { connect: ConnectRealtime; policy: Pick<ManagedPolicy, 'watchState'> }) {
  const policyState = usePolicyState(policy);

  return (
    <div className="panel">
      <header className="panel__bar">
        <Logo className="panel__logo" />
        <h1 className="panel__title">SavvySolve Meet</h1>
        <button type="button" className="button button--quiet" onClick={openSettings}>
          Settings
        </button>
      </header>
      <main className="panel__body">
        {policyState === 'ready' ? (
          <Account connect={connect} />
        ) : policyState === 'waiting' ? (
          <WaitingForPolicy />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    </div>
  );
}
