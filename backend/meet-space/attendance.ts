import type { MeetConference } from './google-meet-spaces.ts';

/** Attendance as stored on the session's Meet space (Date or null each). */
export type AttendanceFacts = {
  customerJoinedAt: Date | null;
  customerLeftAt: Date | null;
  solverJoinedAt: Date | null;
  callStartedAt: Date | null;
  callEndedAt: Date | null;
};

const earliest = (dates: (Date | null)[]) =>
  dates.reduce<Date | null>((first, value) => (value && (!first || value < first) ? value : first), null);
const latest = (dates: (Date | null)[]) =>
  dates.reduce<Date | null>((last, value) => (value && (!last || value > last) ? value : last), null);

/**
 * Reads who came from the space's conference records. The solver is the signed-in participant `users/{their
 * Google account id}` (learnt at sign-in); everyone else counts as the customer. The customer has left only when
 * every customer participant has a `latestEndTime` (a re-join clears it again); the call has ended when every
 * conference record has an `endTime`. With no account id known yet, every participant counts as the customer.
 */
export function readAttendance(conferences: MeetConference[], solverAccountId: string | null): AttendanceFacts {
  const solverUser = solverAccountId ? `users/${solverAccountId}` : undefined;
  const participants = conferences.flatMap((conference) =>
    conference.participants.map((participant) => ({ ...participant, callEnded: conference.endTime !== null })),
  );
  const solver = participants.filter((participant) => solverUser && participant.user === solverUser);
  const customer = participants.filter((participant) => !solverUser || participant.user !== solverUser);
  const customerStillIn = customer.some((participant) => !participant.latestEndTime && !participant.callEnded);
  const allEnded = conferences.length > 0 && conferences.every((conference) => conference.endTime !== null);
  return {
    customerJoinedAt: earliest(customer.map((participant) => participant.earliestStartTime)),
    customerLeftAt: customer.length === 0 || customerStillIn ? null : latest(customer.map((participant) => participant.latestEndTime)),
    solverJoinedAt: earliest(solver.map((participant) => participant.earliestStartTime)),
    callStartedAt: earliest(conferences.map((conference) => conference.startTime)),
    callEndedAt: allEnded ? latest(conferences.map((conference) => conference.endTime)) : null,
  };
}

/** Fields whose value differs (compared by time), for "what changed" in the audit trail and events. */
export function changedAttendance(before: AttendanceFacts, after: AttendanceFacts): (keyof AttendanceFacts)[] {
  return (Object.keys(after) as (keyof AttendanceFacts)[]).filter((key) => before[key]?.getTime() !== after[key]?.getTime());
}
