import { browser } from 'wxt/browser';
import type { ConnectRealtime } from '../../features/session-list/live-updates.ts';
import { SessionList } from '../../features/session-list/session-list.tsx';
import { AccountHeader } from '../../features/sign-in/account-header.tsx';
import { SignInCard } from '../../features/sign-in/sign-in-card.tsx';
import { useAuthState, useSignIn, useSignOut } from '../../features/sign-in/use-auth.ts';
import { Logo } from '../../lib/ui/logo.tsx';

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The side panel: who is signed in (or why not) and their active sessions. */
export function SidePanelApp({ connect }: { connect: ConnectRealtime }) {
  const auth = useAuthState();
  const signIn = useSignIn();
  const signOut = useSignOut();

  return (
    <div className="panel">
      <header className="panel__bar">
        <Logo className="panel__logo" />
        <h1 className="panel__title">SavvySolve Meet</h1>
        <button type="button" className="button button--quiet" onClick={() => void browser.runtime.openOptionsPage()}>
          Settings
        </button>
      </header>
      <main className="panel__body">
        {auth.isPending && <p className="muted">Loading…</p>}
        {auth.isError && (
          <p className="notice notice--error" role="alert">
            {errorText(auth.error)}
          </p>
        )}
        {auth.data?.status === 'signed_out' && (
          <SignInCard
            problem={auth.data.problem}
            onSignIn={() => signIn.mutate()}
            pending={signIn.isPending}
            error={signIn.error ? errorText(signIn.error) : undefined}
          />
        )}
        {auth.data?.status === 'signed_in' && (
          <>
            <AccountHeader solver={auth.data.solver} onSignOut={() => signOut.mutate()} signingOut={signOut.isPending} />
            <SessionList key={auth.data.solver.id} solverId={auth.data.solver.id} connect={connect} />
          </>
        )}
      </main>
    </div>
  );
}
