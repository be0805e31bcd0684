import type { Solver } from '../../../shared/index.ts';

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('');

/** Who is signed in, and a way out. */
export function AccountHeader({ solver, onSignOut, signingOut }: { solver: Solver; onSignOut: () => void; signingOut: boolean }) {
  return (
    <section className="account" aria-label="Signed-in account" data-testid="account">
      <span className="account__avatar" aria-hidden="true">
        {initials(solver.name)}
      </span>
      <div className="account__who">
        <p className="account__line">
          <span className="account__name" data-testid="account-name">
            {solver.name}
          </span>
          <span className={`chip ${solver.employment === 'employed' ? 'chip--info' : 'chip--neutral'}`}>
            {solver.employment === 'employed' ? 'Employed' : 'Contract'}
          </span>
        </p>
        <p className="account__email">{solver.email}</p>
      </div>
      <button type="button" className="button button--quiet" onClick={onSignOut} disabled={signingOut}>
        Sign out
      </button>
    </section>
  );
}
