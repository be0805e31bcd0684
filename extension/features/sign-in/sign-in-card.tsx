import type { AuthProblem } from '../../lib/messages.ts';

const TITLES: Record<string, string> = {
  forbidden: 'This account can’t use SavvySolve Meet',
  unauthorized: 'Google sign-in was not accepted',
  network: 'Can’t reach the SavvySolve backend',
  identity: 'Google sign-in didn’t finish',
  not_configured: 'Sign-in isn’t set up yet',
};

/**
 * A silent sign-in that Google answered "the user must sign in" (`interaction_required`, `login_required`, Chrome's
 * "User interaction required.") is no problem to show in red: it is the reason this card is here.
 */
const SIGN_IN_NEEDED = /interaction[_ ]required|login_required|consent_required|account_selection_required/i;
export const isJustSignedOut = (problem: AuthProblem | undefined) => problem?.code === 'identity' && SIGN_IN_NEEDED.test(problem.message);

/** The signed-out state: why (if we know), and the button that starts Google sign-in. */
export function SignInCard({
  problem,
  onSignIn,
  pending,
  error,
}: {
  problem: AuthProblem | undefined;
  onSignIn: () => void;
  pending: boolean;
  error: string | undefined;
}) {
  const shown = isJustSignedOut(problem) ? undefined : problem;
  const message = error ?? shown?.message;
  const title = shown ? (TITLES[shown.code] ?? 'You are signed out') : 'Sign in to SavvySolve Meet';
  return (
    <section className="card card--center" aria-labelledby="sign-in-title" data-testid="sign-in">
      <h2 id="sign-in-title" className="card__title">
        {title}
      </h2>
      <p className="muted">Use the Google Workspace account your SavvySolve solver profile is registered with.</p>
      {message && (
        <p className="notice notice--error" role="alert" data-testid="sign-in-problem">
          {message}
        </p>
      )}
      <button type="button" className="button button--primary" onClick={onSignIn} aria-busy={pending || undefined} disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in with Google'}
      </button>
    </section>
  );
}
