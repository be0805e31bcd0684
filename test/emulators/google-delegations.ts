/**
 * One user a service account has domain-wide delegation for: a bare email grants every scope; `{ user, scopes }`
 * grants only those scopes (the "OAuth scopes" list of the client id in the Admin console, matched exactly).
 */
export type DelegationGrant = string | { user: string; scopes: string[] | 'all' };

/** Per service-account email, the users (subjects) domain-wide delegation is granted for. */
export type DelegationsOption = Record<string, DelegationGrant[]>;

/** What a service account may request for one subject: every scope, or only these. */
export type GrantedScopes = 'all' | readonly string[];

export type Delegations = {
  /** The scopes granted to the service account for this subject; undefined when it has no delegation for them. */
  granted(clientEmail: string, subject: string): GrantedScopes | undefined;
  /** Grants (replacing any earlier grant) or, with `null`, revokes delegation for one user. */
  set(clientEmail: string, user: string, scopes: GrantedScopes | null): void;
  /** Back to the grants given at start-up. */
  reset(): void;
};

const key = (clientEmail: string, user: string) => `${clientEmail.toLowerCase()} ${user.toLowerCase()}`;

/** Domain-wide delegation grants per (service account, user), each with its granted scopes. */
export function createDelegations(initial: DelegationsOption = {}): Delegations {
  const grants = new Map<string, GrantedScopes>();
  const load = () => {
    grants.clear();
    for (const [clientEmail, users] of Object.entries(initial)) {
      for (const grant of users) {
        if (typeof grant === 'string') grants.set(key(clientEmail, grant), 'all');
        else grants.set(key(clientEmail, grant.user), grant.scopes === 'all' ? 'all' : [...grant.scopes]);
      }
    }
  };
  load();
  return {
    granted: (clientEmail, subject) => grants.get(key(clientEmail, subject)),
    set(clientEmail, user, scopes) {
      if (scopes === null) grants.delete(key(clientEmail, user));
      else grants.set(key(clientEmail, user), scopes === 'all' ? 'all' : [...scopes]);
    },
    reset: load,
  };
}

/** The email a grant is for. */
export const grantUser = (grant: DelegationGrant) => (typeof grant === 'string' ? grant : grant.user);
