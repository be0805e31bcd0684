import { useEffect, useState, type FormEvent } from 'react';
import { requiredOrigins } from '../../lib/host-permissions.ts';
import { SETTING_KEYS, validateSettings, type ResolvedSettings, type SettingKey, type Settings } from '../../lib/settings.ts';

/** What the form needs from the browser; the options entrypoint passes the real calls. */
export type SettingsFormApi = {
  save(values: Partial<Settings>): Promise<void>;
  /** Asks for host access (must be the first thing a click does). */
  requestOrigins(origins: string[]): Promise<boolean>;
  missingOrigins(origins: string[]): Promise<string[]>;
};

type Draft = Record<SettingKey, string>;

type FieldSpec = { key: SettingKey; label: string; help: string; multiline?: boolean; placeholder?: string };

const FIELDS: FieldSpec[] = [
  { key: 'backendUrl', label: 'Backend URL', help: 'The SavvySolve Meet backend, e.g. https://meet-api.example.com.' },
  {
    key: 'sessionUrlPatterns',
    label: 'Session page URL patterns',
    help: 'One per line. :sessionId stands for the session id in the address; * for anything. Example: https://app.savvysolve.com/sessions/:sessionId',
    multiline: true,
  },
  {
    key: 'sessionHeaderSelector',
    label: 'Session header selector',
    help: 'CSS selector of the header the “Start Google Meet” button is added to.',
  },
  {
    key: 'oauthClientId',
    label: 'OAuth client ID',
    help: 'Google OAuth client used to sign in outside Chrome’s own account (Web application client).',
    placeholder: '1234-abc.apps.googleusercontent.com',
  },
  {
    key: 'authorizationEndpoint',
    label: 'Authorization endpoint',
    help: 'Google’s OAuth 2.0 authorization endpoint, unless your admin says otherwise.',
  },
  {
    key: 'workspaceDomain',
    label: 'Google Workspace domain',
    help: 'Optional. Picks the right Google account when you have several.',
    placeholder: 'example.com',
  },
];

const toDraft = (values: Settings): Draft => ({
  ...values,
  sessionUrlPatterns: values.sessionUrlPatterns.join('\n'),
});

const fromDraft = (draft: Draft, keys: SettingKey[]): Partial<Record<SettingKey, unknown>> =>
  Object.fromEntries(
    keys.map((key) => [
      key,
      key === 'sessionUrlPatterns'
        ? draft[key]
            .split('\n')
            .map((line) => line.trim())
            .filter(Boolean)
        : draft[key],
    ]),
  );

type Outcome = { tone: 'success' | 'warning' | 'error'; text: string };

/** The options page form: every setting, policy-managed ones read-only, and the host access they need. */
export function SettingsForm({ resolved, api }: { resolved: ResolvedSettings; api: SettingsFormApi }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(resolved.values));
  const [problems, setProblems] = useState<Partial<Record<SettingKey, string>>>({});
  const [outcome, setOutcome] = useState<Outcome>();
  const [missing, setMissing] = useState<string[]>([]);
  const managed = new Set(resolved.managed);
  const editable = FIELDS.map((field) => field.key).filter((key) => !managed.has(key));

  // Policy changes arrive while the page is open: show them at once.
  useEffect(() => {
    setDraft((current) => {
      const next = toDraft(resolved.values);
      for (const key of SETTING_KEYS) if (!resolved.managed.includes(key)) next[key] = current[key];
      return next;
    });
  }, [resolved]);

  useEffect(() => {
    void api.missingOrigins(requiredOrigins(resolved.values)).then(setMissing);
  }, [api, resolved]);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const validation = validateSettings(fromDraft(draft, editable), resolved.managed);
    if (!validation.ok) {
      setProblems(validation.problems);
      // The message sits under the form, the fields above it: say so, and take the keyboard to the first one.
      setOutcome({ tone: 'error', text: 'Nothing was saved: fix the highlighted fields above.' });
      const first = FIELDS.find((field) => validation.problems[field.key]);
      if (first) document.getElementById(`setting-${first.key}`)?.focus();
      return;
    }
    setProblems({});
    const origins = requiredOrigins({ ...resolved.values, ...validation.values });
    let granted = false;
    try {
      granted = await api.requestOrigins(origins);
    } catch {
      granted = false;
    }
    await api.save(validation.values);
    const stillMissing = await api.missingOrigins(origins);
    setMissing(stillMissing);
    setOutcome(
      granted && stillMissing.length === 0
        ? { tone: 'success', text: 'Saved.' }
        : { tone: 'warning', text: 'Saved, but Chrome did not grant access to every site: see “Site access” below.' },
    );
  };

  const grantAccess = async () => {
    const granted = await api.requestOrigins(missing).catch(() => false);
    setMissing(await api.missingOrigins(requiredOrigins(resolved.values)));
    if (!granted) setOutcome({ tone: 'warning', text: 'Chrome did not grant access.' });
  };

  return (
    <form className="settings" onSubmit={(event) => void onSubmit(event)} noValidate>
      {resolved.managed.length > 0 && (
        <p className="notice notice--info" data-testid="managed-banner">
          Some settings are managed by your organization and can’t be changed here.
        </p>
      )}
      {FIELDS.map((field) => {
        const isManaged = managed.has(field.key);
        const id = `setting-${field.key}`;
        const problem = problems[field.key] ?? resolved.managedProblems[field.key];
        const common = {
          id,
          name: field.key,
          value: draft[field.key],
          readOnly: isManaged,
          'aria-readonly': isManaged || undefined,
          'aria-invalid': problem ? true : undefined,
          'aria-describedby': `${id}-help${problem ? ` ${id}-problem` : ''}`,
          placeholder: field.placeholder,
          spellCheck: false,
          onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [field.key]: event.target.value }),
        };
        return (
          <div className={`field${isManaged ? ' field--managed' : ''}`} key={field.key}>
            <div className="field__label-row">
              <label htmlFor={id} className="field__label">
                {field.label}
              </label>
              {isManaged && (
                <span className="chip chip--info" data-testid={`managed-${field.key}`}>
                  Managed by your organization
                </span>
              )}
            </div>
            {field.multiline ? <textarea rows={3} {...common} /> : <input type="text" autoComplete="off" {...common} />}
            <p id={`${id}-help`} className="field__help">
              {field.help}
            </p>
            {problem && (
              <p id={`${id}-problem`} className="field__problem" role="alert">
                {resolved.managedProblems[field.key] && !problems[field.key]
                  ? `Your organization’s value was ignored: ${problem}`
                  : problem}
              </p>
            )}
          </div>
        );
      })}

      <section className="field" aria-labelledby="site-access-title">
        <h2 id="site-access-title" className="field__label">
          Site access
        </h2>
        {missing.length === 0 ? (
          <p className="field__help" data-testid="site-access-ok">
            SavvySolve Meet can reach the backend and your session pages.
          </p>
        ) : (
          <>
            <p className="notice notice--warning" data-testid="site-access-missing">
              Not allowed yet: {missing.join(', ')}. The button won’t appear and the backend can’t be reached there until you allow it.
            </p>
            <div>
              <button type="button" className="button" onClick={() => void grantAccess()}>
                Allow access
              </button>
            </div>
          </>
        )}
      </section>

      <div className="settings__actions">
        <button type="submit" className="button button--primary" disabled={editable.length === 0}>
          Save
        </button>
        {outcome && (
          <p className={`notice notice--${outcome.tone}`} role="status" data-testid="save-outcome">
            {outcome.text}
          </p>
        )}
      </div>
    </form>
  );
}
