/**
 * The backend does not answer: that state alone — what happened, what to do, and a retry — never mixed with the
 * sign-in prompt or a stale list. `message` is the background's sentence, which names the backend's address.
 */
export function BackendDown({
  message,
  onRetry,
  retrying,
  onOpenSettings,
}: {
  message: string;
  onRetry: () => void;
  retrying: boolean;
  onOpenSettings: () => void;
}) {
  return (
    <section className="card card--center" aria-labelledby="backend-down-title" data-testid="backend-down">
      <h2 id="backend-down-title" className="card__title">
        No connection to SavvySolve Meet
      </h2>
      <p className="notice notice--error backend-down__url" role="alert" data-testid="backend-down-message">
        {message}
      </p>
      <div className="backend-down__actions">
        <button type="button" className="button button--primary" onClick={onRetry} disabled={retrying} aria-busy={retrying || undefined}>
          {retrying ? 'Trying…' : 'Try again'}
        </button>
        <button type="button" className="button button--quiet" onClick={onOpenSettings}>
          Open Settings
        </button>
      </div>
    </section>
  );
}

/** Whether an error from the background means the backend could not be reached (`ExtensionError` code `network`). */
export const isBackendDown = (error: unknown): error is Error =>
  error instanceof Error && (error as Error & { code?: unknown }).code === 'network';
