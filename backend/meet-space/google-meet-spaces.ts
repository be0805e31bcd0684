import { meet_v2 } from '../google/google-apis.ts';
import type { MeetAccessType } from '../../shared/index.ts';
import type { DelegatedAuth } from '../google/delegated-auth.ts';
import { MEET_SPACE_SCOPES } from '../google/scopes.ts';
import { diagnoseMeetError } from './meet-space-failure.ts';

/** A Meet space: `name` is `spaces/{id}`, the stable key (meeting codes may be reused by Google). */
export type MeetSpace = { name: string; meetingCode: string; accessType: MeetAccessType | null };

/** One participant of a conference record, as attendance needs it. */
export type MeetParticipant = {
  /** `users/{Google account id}` for a signed-in user; undefined for anonymous and phone participants. */
  user: string | undefined;
  earliestStartTime: Date | null;
  latestEndTime: Date | null;
};

/** One call held in a space, with its participants. */
export type MeetConference = { name: string; startTime: Date | null; endTime: Date | null; participants: MeetParticipant[] };

/** A conference record without its participants, and the space it was held in. */
export type MeetConferenceRecord = Omit<MeetConference, 'participants'> & { space: string };

/** The Meet REST API v2 operations the product needs, acting as the solver (delegation subject). */
export type MeetSpaces = {
  /** The space behind a meeting code. @throws MeetSpaceFailure */
  resolve(subject: string, meetingCode: string): Promise<MeetSpace>;
  /** Sets `config.accessType` of `spaces/{id}`. @throws MeetSpaceFailure */
  setAccessType(subject: string, spaceName: string, accessType: MeetAccessType): Promise<void>;
  /** Every conference record of the space, newest first, with participants. @throws MeetSpaceFailure */
  conferences(subject: string, spaceName: string): Promise<MeetConference[]>;
  /**
   * One conference record (`conferenceRecords/{id}`, `conferenceRecords.get`): the space (`spaces/{id}`) it was held
   * in and its times. @throws MeetSpaceFailure
   */
  conferenceRecord(subject: string, recordName: string): Promise<MeetConferenceRecord>;
  /** Every participant of one conference record (`participants.list`, 100 a page). @throws MeetSpaceFailure */
  participants(subject: string, recordName: string): Promise<MeetParticipant[]>;
};

export type GoogleMeetSpacesOptions = { delegated: DelegatedAuth; meetApiUrl: string; timeoutMs?: number };
const date = (value: string | null | undefined) => (value ? new Date(value) : null);

/**
 * Meet REST API v2 through googleapis, with its own delegated token (apart from Calendar's: a delegation that
 * does not grant the Meet scopes yet must never break link creation).
 */
export function createGoogleMeetSpaces(options: GoogleMeetSpacesOptions): MeetSpaces {
  const timeout = options.timeoutMs ?? 4_000;
  const meetFor = (subject: string) =>
    new meet_v2.Meet({ auth: options.delegated.forSubject(subject, MEET_SPACE_SCOPES), rootUrl: `${options.meetApiUrl}/` });
  const request = { timeout, retry: false };
  const diagnosed = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw diagnoseMeetError(error);
    }
  };

  return {
    resolve: (subject, meetingCode) =>
      diagnosed(async () => {
        const { data } = await meetFor(subject).spaces.get({ name: `spaces/${meetingCode}` }, request);
        return {
          name: data.name ?? '',
          meetingCode: data.meetingCode ?? meetingCode,
          accessType: (data.config?.accessType as MeetAccessType | undefined) ?? null,
        };
      }),

    setAccessType: (subject, spaceName, accessType) =>
      diagnosed(async () => {
        await meetFor(subject).spaces.patch(
          { name: spaceName, updateMask: 'config.accessType', requestBody: { config: { accessType } } },
          request,
        );
      }),

    conferences: (subject, spaceName) =>
      diagnosed(async () => {
        const meet = meetFor(subject);
        const records: meet_v2.Schema$ConferenceRecord[] = [];
        let pageToken: string | undefined;
        do {
          const { data } = await meet.conferenceRecords.list({ filter: `space.name = "${spaceName}"`, pageToken }, request);
          records.push(...(data.conferenceRecords ?? []));
          pageToken = data.nextPageToken ?? undefined;
        } while (pageToken);
        return Promise.all(
          records.map(async (record) => ({
            name: record.name ?? '',
            startTime: date(record.startTime),
            endTime: date(record.endTime),
            participants: await participantsOf(meet, record.name ?? ''),
          })),
        );
      }),

    conferenceRecord: (subject, recordName) =>
      diagnosed(async () => {
        const { data } = await meetFor(subject).conferenceRecords.get({ name: recordName }, request);
        return { name: data.name ?? recordName, space: data.space ?? '', startTime: date(data.startTime), endTime: date(data.endTime) };
      }),

    participants: (subject, recordName) => diagnosed(() => participantsOf(meetFor(subject), recordName)),
  };

  async function participantsOf(meet: meet_v2.Meet, recordName: string): Promise<MeetParticipant[]> {
    const participants: MeetParticipant[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await meet.conferenceRecords.participants.list({ parent: recordName, pageSize: 100, pageToken }, request);
      for (const participant of data.participants ?? []) {
        participants.push({
          user: participant.signedinUser?.user ?? undefined,
          earliestStartTime: date(participant.earliestStartTime),
          latestEndTime: date(participant.latestEndTime),
        });
      }
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    return participants;
  }
}
