import { useState } from 'react';
import { messageOf } from '../../../shared/errors.ts';
import { CameraIcon } from './camera-icon.tsx';

/**
 * Signed out, on a session page: a quiet "Sign in to start a video call" that opens the side panel, where the
 * sign-in is. `openPanel` must send its message straight from the click: Chrome opens the panel only while the
 * click's user gesture lasts.
 */
export function SignInPrompt({ openPanel }: { openPanel: () => Promise<unknown> }) {
  const [problem, setProblem] = useState<string>();
  const onClick = () => {
    setProblem(undefined);
    openPanel().catch((error: unknown) => setProblem(messageOf(error)));
  };
  return (
    <div className="ssm-root">
      <button
        type="button"
        className="ssm-quiet"
        data-testid="savvysolve-meet-sign-in"
        title="Opens the SavvySolve Meet side panel, where you sign in"
        onClick={onClick}
      >
        <CameraIcon />
        <span>Sign in to start a video call</span>
      </button>
      {problem && (
        <p role="alert" className="ssm-note ssm-note-error" data-testid="savvysolve-meet-error">
          Couldn’t open the side panel: {problem} Click the SavvySolve Meet toolbar button instead.
        </p>
      )}
    </div>
  );
}
