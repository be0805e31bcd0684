import { useEffect, useState } from 'react';
import { browser } from 'wxt/browser';
import { BackendStatus } from '../../features/backend-status/backend-status.tsx';
import { connectAbly } from '../../features/session-list/ably-connection.ts';
import { watchLiveUpdates } from '../../features/session-list/watch-live-updates.ts';
import { SettingsForm, type SettingsFormApi } from '../../features/settings-form/settings-form.tsx';
import { missingOrigins, requestOrigins } from '../../lib/host-permissions.ts';
import { sendMessage } from '../../lib/messages.ts';
import { loadSettings, managedPolicy, saveSettings, watchSettings, type ResolvedSettings } from '../../lib/settings.ts';
import { Logo } from '../../lib/ui/logo.tsx';
import { usePolicyState, WaitingForPolicy } from '../../lib/ui/waiting-for-policy.tsx';

const api: SettingsFormApi = {
  save: saveSettings,
  requestOrigins: (origins) => requestOrigins(browser.permissions, origins),
  missingOrigins: (origins) => missingOrigins(browser.permissions, origins),
};
const watchLive = watchLiveUpdates(connectAbly);

/**
 * The options page: settings from storage, live-updated when the page or Chrome policy changes them. On a fresh
 * install it first waits for the organization's policy (`loadSettings` does), and says so.
 */
export function OptionsApp() {
  const [resolved, setResolved] = useState<ResolvedSettings>();
  const policyState = usePolicyState(managedPolicy);
  useEffect(() => {
    void loadSettings().then(setResolved);
    return watchSettings(setResolved);
  }, []);

  return (
    <div className="options">
      <header className="options__bar">
        <Logo className="options__logo" />
        <h1>SavvySolve Meet settings</h1>
      </header>
      <main className="options__body">
        {resolved ? (
          <>
            <SettingsForm resolved={resolved} api={api} />
            <BackendStatus
              backendUrl={resolved.values.backendUrl}
              fetchHealth={() => sendMessage('backend.health')}
              watchLiveUpdates={watchLive}
            />
          </>
        ) : policyState === 'waiting' ? (
          <WaitingForPolicy />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </main>
    </div>
  );
}
