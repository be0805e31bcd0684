import { randomInt } from 'node:crypto';
import type { Context } from 'hono';
import type { EmulatorApp, EmulatorEnv } from './emulator-app.ts';
import type { CreatedConference } from './google-conference.ts';
import { rpcError } from './google-errors.ts';
import { googleUserId, type IssuedToken, type TokenStore } from './google-tokens.ts';

export type MeetRoute = 'spaces.get' | 'spaces.patch' | 'conferenceRecords.list' | 'conferenceRecords.get' | 'participants.list';
export const MEET_ROUTES: readonly MeetRoute[] = [
  'spaces.get',
  'spaces.patch',
  'conferenceRecords.list',
  'conferenceRecords.get',
  'participants.list',
];

/** The Meet events the Workspace Events API would publish for a space (what the Pub/Sub push emulator delivers). */
export type MeetEventType =
  | 'google.workspace.meet.conference.v2.started'
  | 'google.workspace.meet.conference.v2.ended'
  | 'google.workspace.meet.participant.v2.joined'
  | 'google.workspace.meet.participant.v2.left';
/** One event: its type, the space it happened in (`spaces/{id}`), and its data as Google sends it. */
export type EmittedMeetEvent = {
  type: MeetEventType;
  space: string;
  time: Date;
  data: { conferenceRecord: { name: string } } | { participantSession: { name: string } };
};

const AUTH = 'https://www.googleapis.com/auth/';
export const MEET_SCOPES = {
  /** Spaces this app created with `spaces.create` (the emulator has none: every space comes from a Calendar event). */
  created: `${AUTH}meetings.space.created`,
  /** Read the user's spaces, conference records and participants. */
  readonly: `${AUTH}meetings.space.readonly`,
  /** Read and edit the settings of all the user's spaces (what a Calendar-created space needs for `spaces.patch`). */
  settings: `${AUTH}meetings.space.settings`,
} as const;

export type AccessType = 'OPEN' | 'TRUSTED' | 'RESTRICTED';
const ACCESS_TYPES: readonly string[] = ['OPEN', 'TRUSTED', 'RESTRICTED'];

/** A Meet v2 Space as Google answers it to its owner. */
export type MeetSpace = {
  name: string;
  meetingUri: string;
  meetingCode: string;
  config: { accessType: AccessType; entryPointAccess: 'ALL' };
  activeConference?: { conferenceRecord: string };
};
/** A stored space, with the user (calendar) that owns it. */
export type StoredMeetSpace = MeetSpace & { owner: string };

export type ConferenceRecord = { name: string; startTime: string; endTime?: string; expireTime?: string; space: string };

export type MeetParticipant = {
  name: string;
  earliestStartTime: string;
  latestEndTime?: string;
  signedinUser?: { user: string; displayName: string };
  anonymousUser?: { displayName: string };
  phoneUser?: { displayName: string };
};

/** Someone joining a call: a signed-in Google user (by account id, or by email: `googleAccountIdFor(email)`), a guest, or a phone. */
export type ParticipantInput =
  | { kind: 'signedin'; userId?: string; email?: string; displayName: string }
  | { kind: 'anonymous'; displayName: string }
  | { kind: 'phone'; displayName: string };
/** Who to find: the same identity as at join (display name not needed for signed-in users), or the participant's resource name. */
export type ParticipantMatcher =
  | { kind: 'signedin'; userId?: string; email?: string; displayName?: string }
  | { kind: 'anonymous'; displayName: string }
  | { kind: 'phone'; displayName: string }
  | string;

export type MeetControls = {
  /** The stored space, by meeting code, `spaces/{id}`, `spaces/{code}` or Meet link; undefined when none. */
  space(codeOrName: string): StoredMeetSpace | undefined;
  /** Every stored space. */
  spaces(): StoredMeetSpace[];
  /** The space's conference records, newest first (all records when no space is given). */
  conferenceRecords(codeOrName?: string): ConferenceRecord[];
  /** A record's participants, newest join first. */
  participants(conferenceRecordName: string): MeetParticipant[];
  /** Starts a conference if none is active, then adds the participant (a re-join clears `latestEndTime`). */
  join(codeOrName: string, participant: ParticipantInput, at?: Date): { conferenceRecord: ConferenceRecord; participant: MeetParticipant };
  /** Sets the participant's `latestEndTime` in the active conference. */
  leave(codeOrName: string, participant: ParticipantMatcher, at?: Date): MeetParticipant;
  /** Ends the active conference: its `endTime`, and `latestEndTime` of everyone still in it. */
  endCall(codeOrName: string, at?: Date): ConferenceRecord;
  /**
   * A room `owner` opened themselves (meet.google.com/new in their browser): a new space they own, TRUSTED, with a
   * fresh meeting code unless one is given (no Calendar event behind it).
   */
  openRoom(owner: string, meetingCode?: string): StoredMeetSpace;
};

export type MeetStore = MeetControls & {
  /** Hook for the Calendar emulator: a ready Meet conference gets its space. */
  addSpace(conference: CreatedConference): void;
  clear(): void;
};

type ParticipantState = {
  id: string;
  key: string;
  identity: ParticipantInput;
  earliestStartTime: Date;
  latestEndTime?: Date;
  /** Joins so far: each join is one participant session (`…/participantSessions/{n}`). */
  sessions: number;
};
type RecordState = { id: string; space: SpaceState; startTime: Date; endTime?: Date; participants: Map<string, ParticipantState> };
type SpaceState = {
  id: string;
  meetingCode: string;
  meetingUri: string;
  owner: string;
  accessType: AccessType;
  records: RecordState[];
  active?: RecordState;
};

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomLetters = (length: number) => randomId(length, 'abcdefghijklmnopqrstuvwxyz');
const randomId = (length: number, alphabet = ALNUM) => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
const MEETING_CODE = /^[a-z]{3}-[a-z]{4}-[a-z]{3}$/i;
const RECORD_TTL_MS = 30 * 24 * 3600 * 1000;
const CREDENTIALS_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const NO_PERMISSION = 'The caller does not have permission';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The user id part of `users/{id}` for a signed-in participant. */
function userIdOf(participant: { userId?: string; email?: string }): string {
  if (participant.userId) return participant.userId.replace(/^users\//, '');
  if (participant.email) return googleUserId(participant.email);
  throw new Error('A signed-in participant needs a userId or an email');
}

function participantKey(participant: Exclude<ParticipantMatcher, string>): string {
  return participant.kind === 'signedin' ? `signedin:${userIdOf(participant)}` : `${participant.kind}:${participant.displayName}`;
}

/**
 * Meet REST API v2 (spaces get/patch, conferenceRecords list, participants list) over the spaces the Calendar
 * emulator's Meet conferences created, checking scopes and ownership as Google does; plus the test controls that
 * play the calls (join, leave, end).
 */
export function registerMeetRoutes(
  { app, route }: Pick<EmulatorApp<MeetRoute>, 'app' | 'route'>,
  options: { tokens: TokenStore; onEvent?: (event: EmittedMeetEvent) => void },
): MeetStore {
  const emit = (type: MeetEventType, record: RecordState, time: Date, participant?: ParticipantState) =>
    options.onEvent?.({
      type,
      space: `spaces/${record.space.id}`,
      time,
      data: participant
        ? {
            participantSession: {
              name: `conferenceRecords/${record.id}/participants/${participant.id}/participantSessions/s${participant.sessions}`,
            },
          }
        : { conferenceRecord: { name: `conferenceRecords/${record.id}` } },
    });
  const spacesById = new Map<string, SpaceState>();
  const spacesByCode = new Map<string, SpaceState>();
  const records = new Map<string, RecordState>();

  const findSpace = (codeOrName: string): SpaceState | undefined => {
    let ref = codeOrName.trim();
    if (/^https?:\/\//i.test(ref)) ref = new URL(ref).pathname.split('/').filter(Boolean).pop() ?? '';
    ref = ref.replace(/^spaces\//, '');
    return spacesById.get(ref) ?? spacesByCode.get(ref.toLowerCase());
  };
  const mustFindSpace = (codeOrName: string) => {
    const space = findSpace(codeOrName);
    if (!space) throw new Error(`No Meet space "${codeOrName}" (spaces exist for the Meet conferences of Calendar events)`);
    return space;
  };
  const activeRecord = (space: SpaceState) => {
    if (!space.active) throw new Error(`No active conference in spaces/${space.id} (${space.meetingCode})`);
    return space.active;
  };

  const spaceView = (space: SpaceState, view: 'owner' | 'participant' | 'other'): MeetSpace | Omit<MeetSpace, 'config'> => ({
    name: `spaces/${space.id}`,
    meetingUri: space.meetingUri,
    meetingCode: space.meetingCode,
    ...(view === 'owner' ? { config: { accessType: space.accessType, entryPointAccess: 'ALL' as const } } : {}),
    ...(view !== 'other' && space.active ? { activeConference: { conferenceRecord: `conferenceRecords/${space.active.id}` } } : {}),
  });
  const storedSpace = (space: SpaceState): StoredMeetSpace => ({ ...(spaceView(space, 'owner') as MeetSpace), owner: space.owner });
  const recordView = (record: RecordState): ConferenceRecord => ({
    name: `conferenceRecords/${record.id}`,
    startTime: record.startTime.toISOString(),
    ...(record.endTime
      ? { endTime: record.endTime.toISOString(), expireTime: new Date(record.endTime.getTime() + RECORD_TTL_MS).toISOString() }
      : {}),
    space: `spaces/${record.space.id}`,
  });
  const participantView = (record: RecordState, participant: ParticipantState): MeetParticipant => {
    const { identity } = participant;
    return {
      name: `conferenceRecords/${record.id}/participants/${participant.id}`,
      earliestStartTime: participant.earliestStartTime.toISOString(),
      ...(participant.latestEndTime ? { latestEndTime: participant.latestEndTime.toISOString() } : {}),
      ...(identity.kind === 'signedin'
        ? { signedinUser: { user: `users/${userIdOf(identity)}`, displayName: identity.displayName } }
        : identity.kind === 'anonymous'
          ? { anonymousUser: { displayName: identity.displayName } }
          : { phoneUser: { displayName: identity.displayName } }),
    };
  };
  const newestFirst = <T extends { startTime?: Date; earliestStartTime?: Date }>(items: T[]) =>
    items.sort((a, b) => (b.startTime ?? b.earliestStartTime)!.getTime() - (a.startTime ?? a.earliestStartTime)!.getTime());
  const sortedParticipants = (record: RecordState) => newestFirst([...record.participants.values()]);

  /** Whether the token's user took part (signed in) in a conference of the space. */
  const attended = (space: SpaceState, userId: string, onlyActive = false) =>
    (onlyActive ? (space.active ? [space.active] : []) : space.records).some((record) => record.participants.has(`signedin:${userId}`));

  /** The caller, when its token is valid and carries one of `accepted`; else Google's 401/403. */
  const authorize = (c: Context<EmulatorEnv>, accepted: readonly string[]) => {
    const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!bearer) return rpcError(401, `Request is missing required authentication credential. ${CREDENTIALS_HINT}`);
    const token = options.tokens.lookup(bearer);
    if (!token) return rpcError(401, `Request had invalid authentication credentials. ${CREDENTIALS_HINT}`);
    if (!token.scopes.some((scope) => accepted.includes(scope))) return insufficientScopes(c.req.method, c.req.path);
    // A service account acting as itself has no Meet spaces: Meet needs a user (or delegation to one).
    if (token.serviceAccount && !token.serviceAccount.delegated) return rpcError(403, NO_PERMISSION);
    return caller(token);
  };
  const caller = (token: IssuedToken) => ({
    owner: token.email.toLowerCase(),
    userId: googleUserId(token.email),
    /** Calendar-created spaces are the user's, not the app's: `meetings.space.created` alone reaches none of them. */
    canRead: token.scopes.includes(MEET_SCOPES.readonly) || token.scopes.includes(MEET_SCOPES.settings),
    canReadRecords: token.scopes.includes(MEET_SCOPES.readonly),
    canEditSettings: token.scopes.includes(MEET_SCOPES.settings),
  });

  app.get('/v2/spaces/:space', route('spaces.get'), (c) => {
    const auth = authorize(c, [MEET_SCOPES.created, MEET_SCOPES.readonly, MEET_SCOPES.settings]);
    if (auth instanceof Response) return auth;
    const space = findSpace(c.req.param('space'));
    if (!space) return rpcError(404);
    if (!auth.canRead) return rpcError(403, NO_PERMISSION);
    // Everyone may read a space's name and link; its settings only its owner, its active conference owner and attendees.
    const view = space.owner === auth.owner ? 'owner' : attended(space, auth.userId, true) ? 'participant' : 'other';
    return c.json(selectFields(spaceView(space, view), c.req.query('fields')));
  });

  app.patch('/v2/spaces/:space', route('spaces.patch'), (c) => {
    const auth = authorize(c, [MEET_SCOPES.created, MEET_SCOPES.settings]);
    if (auth instanceof Response) return auth;
    const id = c.req.param('space');
    if (MEETING_CODE.test(id)) {
      return rpcError(
        400,
        `Invalid space name: spaces/${id}. A meeting code is not accepted here; use the space's resource name spaces/{space}.`,
      );
    }
    const input = c.get('body');
    if (!isObject(input)) return rpcError(400, 'Invalid JSON payload received.');
    const mask = (c.req.query('updateMask') ?? '')
      .split(',')
      .map((path) => path.trim())
      .filter(Boolean);
    const config = isObject(input.config) ? input.config : {};
    // Without a mask Google updates the fields given in the request; the emulator models config.accessType only.
    const paths = mask.length ? mask : 'accessType' in config ? ['config.accessType'] : [];
    const unsupported = paths.filter((path) => path !== 'config.accessType' && path !== 'config.access_type');
    if (unsupported.length) {
      return rpcError(400, `The emulator only supports updateMask=config.accessType; got ${unsupported.join(', ')}.`);
    }
    const accessType = paths.length ? config.accessType : undefined;
    if (paths.length && (typeof accessType !== 'string' || !ACCESS_TYPES.includes(accessType))) {
      return rpcError(
        400,
        `Invalid value at 'space.config.access_type' (type.googleapis.com/google.apps.meet.v2.SpaceConfig.AccessType), ${JSON.stringify(accessType ?? null)}`,
        [
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [{ field: 'space.config.access_type', description: 'Must be OPEN, TRUSTED or RESTRICTED.' }],
          },
        ],
      );
    }
    const space = spacesById.get(id);
    if (!space) return rpcError(404);
    if (space.owner !== auth.owner || !auth.canEditSettings) return rpcError(403, NO_PERMISSION);
    if (accessType) space.accessType = accessType as AccessType;
    return c.json(selectFields(spaceView(space, 'owner'), c.req.query('fields')));
  });

  app.get('/v2/conferenceRecords', route('conferenceRecords.list'), (c) => {
    const auth = authorize(c, [MEET_SCOPES.created, MEET_SCOPES.readonly]);
    if (auth instanceof Response) return auth;
    const filter = parseFilter(c.req.query('filter'), {
      'space.name': (record: RecordState) => `spaces/${record.space.id}`,
      'space.meeting_code': (record: RecordState) => record.space.meetingCode,
      start_time: (record: RecordState) => record.startTime,
      end_time: (record: RecordState) => record.endTime,
    });
    if (filter instanceof Response) return filter;
    const visible = auth.canReadRecords
      ? [...records.values()].filter((record) => record.space.owner === auth.owner || record.participants.has(`signedin:${auth.userId}`))
      : [];
    const page = paginate(newestFirst(visible.filter(filter)), c.req.query(), 25, 100);
    if (page instanceof Response) return page;
    return c.json(
      selectFields(
        {
          ...(page.items.length ? { conferenceRecords: page.items.map(recordView) } : {}),
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
        },
        c.req.query('fields'),
      ),
    );
  });

  app.get('/v2/conferenceRecords/:record', route('conferenceRecords.get'), (c) => {
    const auth = authorize(c, [MEET_SCOPES.created, MEET_SCOPES.readonly]);
    if (auth instanceof Response) return auth;
    const record = records.get(c.req.param('record'));
    // Google answers 404 for a record the caller may not see, as for one that does not exist.
    if (!record || !auth.canReadRecords || (record.space.owner !== auth.owner && !record.participants.has(`signedin:${auth.userId}`))) {
      return rpcError(404);
    }
    return c.json(selectFields(recordView(record), c.req.query('fields')));
  });

  app.get('/v2/conferenceRecords/:record/participants', route('participants.list'), (c) => {
    const auth = authorize(c, [MEET_SCOPES.created, MEET_SCOPES.readonly]);
    if (auth instanceof Response) return auth;
    const record = records.get(c.req.param('record'));
    if (!record) return rpcError(404);
    if (!auth.canReadRecords || (record.space.owner !== auth.owner && !record.participants.has(`signedin:${auth.userId}`))) {
      return rpcError(403, NO_PERMISSION);
    }
    const filter = parseFilter(c.req.query('filter'), {
      earliest_start_time: (participant: ParticipantState) => participant.earliestStartTime,
      latest_end_time: (participant: ParticipantState) => participant.latestEndTime,
    });
    if (filter instanceof Response) return filter;
    const matching = sortedParticipants(record).filter(filter);
    const page = paginate(matching, c.req.query(), 100, 250);
    if (page instanceof Response) return page;
    // totalSize only when asked for through `fields`, as Google does.
    const fields = c.req.query('fields');
    return c.json(
      selectFields(
        {
          ...(page.items.length ? { participants: page.items.map((participant) => participantView(record, participant)) } : {}),
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
          ...(fields && /\btotal_?size\b/i.test(fields) ? { totalSize: matching.length } : {}),
        },
        fields,
      ),
    );
  });

  const controls: Omit<MeetControls, 'openRoom'> = {
    space: (codeOrName) => {
      const space = findSpace(codeOrName);
      return space && storedSpace(space);
    },
    spaces: () => [...spacesById.values()].map(storedSpace),
    conferenceRecords: (codeOrName) =>
      newestFirst(codeOrName === undefined ? [...records.values()] : [...mustFindSpace(codeOrName).records]).map(recordView),
    participants(conferenceRecordName) {
      const record = records.get(conferenceRecordName.replace(/^conferenceRecords\//, ''));
      if (!record) throw new Error(`No conference record "${conferenceRecordName}"`);
      return sortedParticipants(record).map((participant) => participantView(record, participant));
    },
    join(codeOrName, participant, at = new Date()) {
      if (!isObject(participant) || !['signedin', 'anonymous', 'phone'].includes(participant.kind as string)) {
        throw new Error('A participant is { kind: "signedin" | "anonymous" | "phone", displayName, userId? | email? }');
      }
      if (typeof participant.displayName !== 'string') throw new Error('A participant needs a displayName');
      const space = mustFindSpace(codeOrName);
      if (!space.active) {
        const record: RecordState = { id: randomId(20), space, startTime: at, participants: new Map() };
        space.records.push(record);
        space.active = record;
        records.set(record.id, record);
        emit('google.workspace.meet.conference.v2.started', record, at);
      }
      const record = space.active;
      const key = participantKey(participant);
      const known = record.participants.get(key);
      if (known) {
        known.latestEndTime = undefined;
        known.identity = participant;
        known.sessions += 1;
      } else {
        record.participants.set(key, { id: randomId(19, '0123456789'), key, identity: participant, earliestStartTime: at, sessions: 1 });
      }
      emit('google.workspace.meet.participant.v2.joined', record, at, record.participants.get(key));
      return { conferenceRecord: recordView(record), participant: participantView(record, record.participants.get(key)!) };
    },
    leave(codeOrName, matcher, at = new Date()) {
      const record = activeRecord(mustFindSpace(codeOrName));
      const participant =
        typeof matcher === 'string'
          ? [...record.participants.values()].find((entry) => matcher.endsWith(`/participants/${entry.id}`) || matcher === entry.id)
          : record.participants.get(participantKey(matcher));
      if (!participant) throw new Error(`No such participant in conferenceRecords/${record.id}: ${JSON.stringify(matcher)}`);
      participant.latestEndTime = at;
      emit('google.workspace.meet.participant.v2.left', record, at, participant);
      return participantView(record, participant);
    },
    endCall(codeOrName, at = new Date()) {
      const space = mustFindSpace(codeOrName);
      const record = activeRecord(space);
      record.endTime = at;
      for (const participant of record.participants.values()) {
        if (participant.latestEndTime) continue;
        participant.latestEndTime = at;
        emit('google.workspace.meet.participant.v2.left', record, at, participant);
      }
      space.active = undefined;
      emit('google.workspace.meet.conference.v2.ended', record, at);
      return recordView(record);
    },
  };

  return {
    ...controls,
    openRoom(owner, meetingCode = `${randomLetters(3)}-${randomLetters(4)}-${randomLetters(3)}`) {
      this.addSpace({ meetingCode, meetingUri: `https://meet.google.com/${meetingCode}`, owner });
      return storedSpace(spacesByCode.get(meetingCode.toLowerCase())!);
    },
    addSpace({ meetingCode, meetingUri, owner }) {
      if (spacesByCode.has(meetingCode.toLowerCase())) return;
      let id = randomId(12);
      while (spacesById.has(id)) id = randomId(12);
      const space: SpaceState = { id, meetingCode, meetingUri, owner: owner.toLowerCase(), accessType: 'TRUSTED', records: [] };
      spacesById.set(id, space);
      spacesByCode.set(meetingCode.toLowerCase(), space);
    },
    clear() {
      spacesById.clear();
      spacesByCode.clear();
      records.clear();
    },
  };
}

/** 403 for a token without any of the method's scopes, in Google's shape (with its ErrorInfo detail). */
function insufficientScopes(method: string, path: string): Response {
  const methods: Record<string, string> = {
    'GET spaces': 'google.apps.meet.v2.SpacesService.GetSpace',
    'PATCH spaces': 'google.apps.meet.v2.SpacesService.UpdateSpace',
    'GET conferenceRecords': 'google.apps.meet.v2.ConferenceRecordsService.ListConferenceRecords',
    'GET conferenceRecord': 'google.apps.meet.v2.ConferenceRecordsService.GetConferenceRecord',
    'GET participants': 'google.apps.meet.v2.ConferenceRecordsService.ListParticipants',
  };
  const parts = path.split('/');
  const collection = path.endsWith('/participants')
    ? 'participants'
    : parts[2] === 'conferenceRecords' && parts[3]
      ? 'conferenceRecord'
      : parts[2];
  return rpcError(403, 'Request had insufficient authentication scopes.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
      domain: 'googleapis.com',
      metadata: { service: 'meet.googleapis.com', method: methods[`${method} ${collection}`] ?? 'unknown' },
    },
  ]);
}

type FieldGetter<T> = (item: T) => string | Date | undefined;

/**
 * The list filters the emulator understands, joined by AND: `field = "value"`, `field IS NULL`, `field IS NOT NULL`
 * and, for times, `field >= "RFC 3339"` (also >, <, <=); anything else is Google's 400.
 */
function parseFilter<T>(filter: string | undefined, fields: Record<string, FieldGetter<T>>): ((item: T) => boolean) | Response {
  if (!filter?.trim()) return () => true;
  const tests: ((item: T) => boolean)[] = [];
  for (const clause of filter.trim().split(/\s+AND\s+/i)) {
    const nullTest = clause.match(/^\(?\s*([a-z_.]+)\s+IS\s+(NOT\s+)?NULL\s*\)?$/i);
    const compare = clause.match(/^\(?\s*([a-z_.]+)\s*(=|>=|<=|>|<)\s*"([^"]*)"\s*\)?$/i);
    const field = (nullTest ?? compare)?.[1];
    const get = field ? fields[field] : undefined;
    if (!get)
      return rpcError(400, `Invalid filter: ${JSON.stringify(filter)}. The emulator understands ${Object.keys(fields).join(', ')}.`);
    if (nullTest) {
      const wantNull = !nullTest[2];
      tests.push((item) => (get(item) === undefined) === wantNull);
      continue;
    }
    const [, , op, raw] = compare!;
    tests.push((item) => {
      const value = get(item);
      if (value === undefined) return false;
      if (typeof value === 'string') return op === '=' && value === raw;
      const other = Date.parse(raw!);
      const time = value.getTime();
      return op === '='
        ? time === other
        : op === '>='
          ? time >= other
          : op === '<='
            ? time <= other
            : op === '>'
              ? time > other
              : time < other;
    });
  }
  return (item) => tests.every((test) => test(item));
}

/** `pageSize` (default, capped at max) and an opaque `pageToken` (an offset here). */
function paginate<T>(items: T[], query: Record<string, string>, defaultSize: number, maxSize: number) {
  const size = query.pageSize ? Math.min(Math.max(Number.parseInt(query.pageSize, 10) || defaultSize, 1), maxSize) : defaultSize;
  let offset = 0;
  if (query.pageToken) {
    const decoded = Number(
      Buffer.from(query.pageToken, 'base64url')
        .toString()
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) return rpcError(400, 'Invalid page token.');
    offset = decoded;
  }
  const pageItems = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : undefined;
  return { items: pageItems, nextPageToken: next };
}

/** The `fields` system parameter, top level only (`a,b(c)` keeps a and b); everything without it. */
function selectFields<T extends object>(body: T, fields: string | undefined): Partial<T> {
  if (!fields?.trim()) return body;
  const wanted = new Set(
    fields
      .replace(/\([^)]*\)/g, '')
      .split(',')
      .map((field) =>
        field
          .trim()
          .split('/')[0]!
          .replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase()),
      ),
  );
  if (wanted.has('*')) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => wanted.has(key))) as Partial<T>;
}
