import type { Fault } from '../emulators/index.ts';
import { TEST_TWILIO_ACCOUNT_SID, TEST_TWILIO_AUTH_TOKEN, TEST_TWILIO_FROM_NUMBER } from '../emulators/index.ts';
import type { Random } from './random.ts';
import type { Instance, World } from './world.ts';

export type ChaosOptions = {
  /** Share of the time each fault kind is on (default 0.1). */
  faultRate: number;
  /** How long the load runs: a down spell that has not happened by half of it is started then. */
  seconds: number;
  /** When to SIGKILL an instance (seconds from the start; then within 3 s, while it serves a request), then restart it at once. */
  killAtSeconds: number[];
  log: (line: string) => void;
};

export type Kill = { atSeconds: number; instance: string; downSeconds: number; error?: string };

export type ChaosRecord = {
  /** Requests that met a fault, by kind (counted where the emulator applied it). */
  faulted: Record<string, number>;
  /** Fault spells switched on, by kind. */
  spells: Record<string, number>;
  /** Fault kinds the emulators do not offer (yet), with why. */
  unavailable: Record<string, string>;
  kills: Kill[];
};

/** A fault kind that has a request to count: `accept, then drop`, `429`, `5xx`, `latency over the timeout`. */
type Droppable = Fault & { dropAfterAccept?: boolean };
const faultType = (fault: Droppable | undefined) =>
  !fault
    ? undefined
    : fault.dropAfterAccept
      ? 'accept, then drop'
      : fault.status === 429
        ? '429'
        : fault.status && fault.status >= 500
          ? '5xx'
          : fault.latencyMs
            ? 'latency over the timeout'
            : undefined;

const DROP_KIND = 'Twilio messages.create accept, then drop';

/**
 * Faults at random while the load runs, each kind on about `faultRate` of the time: Calendar `events.insert` and
 * Meet `spaces.get` / `spaces.patch` 5xx, 429 or one answer later than the backend's timeout; Twilio
 * `messages.create` 5xx and accept-then-drop (when the emulator offers it); Ably `publish` and the host's events
 * endpoint down for spells of seconds; an instance SIGKILLed at each of `killAtSeconds` and restarted.
 */
export async function startChaos(world: World, random: Random, options: ChaosOptions) {
  const record: ChaosRecord = { faulted: {}, spells: {}, unavailable: {}, kills: [] };
  const dropAvailable = await probeDropAfterAccept(world);
  if (!dropAvailable) record.unavailable[DROP_KIND] = 'not available: the Twilio emulator ignores { dropAfterAccept } (not there yet)';
  countFaults(world, record.faulted);

  const { google, twilio, ably } = world.emulators;
  const rate = options.faultRate;
  const spell = (kind: string) => (record.spells[kind] = (record.spells[kind] ?? 0) + 1);
  // Latency just over the backend's own timeout for the call (Calendar 8 s, Meet 4 s): one request at a time.
  const googleRoutes = [
    { route: 'events.insert', label: 'Calendar events.insert', overTimeoutMs: 9_000 },
    { route: 'spaces.get', label: 'Meet spaces.get', overTimeoutMs: 5_000 },
    { route: 'spaces.patch', label: 'Meet spaces.patch', overTimeoutMs: 5_000 },
  ] as const;
  const downSpells = [
    { label: 'Ably publish down (5xx)', set: (fault: Fault) => ably.faults.set('publish', fault), seconds: [3, 8] as const, until: 0 },
    {
      label: 'host events endpoint down (5xx)',
      set: (fault: Fault) => world.host.faults.set('events', fault),
      seconds: [5, 15] as const,
      until: 0,
    },
  ];

  // The emulator applies a drop outside `faults.take`: a drop set for one request was used when a message arrived
  // while it was set (it applies to the first one).
  let dropSetAt: number | undefined;
  const countDrop = () => {
    if (dropSetAt === undefined) return;
    const from = dropSetAt;
    dropSetAt = undefined;
    if (twilio.requests('messages.create').some((request) => request.receivedAt >= from))
      record.faulted[DROP_KIND] = (record.faulted[DROP_KIND] ?? 0) + 1;
  };

  const tick = () => {
    for (const { route, label, overTimeoutMs } of googleRoutes) {
      const roll = random.next();
      const fault: Fault =
        roll < rate
          ? { status: random.pick([500, 503]) }
          : roll < 2 * rate
            ? { status: 429 }
            : roll < 3 * rate
              ? { latencyMs: overTimeoutMs, times: 1 }
              : {};
      if (faultType(fault)) spell(`${label} ${faultType(fault)}`);
      google.faults.set(route, fault);
    }
    countDrop();
    const roll = random.next();
    const twilioFault: Droppable =
      roll < rate ? { status: 503 } : roll < 2 * rate && dropAvailable ? { dropAfterAccept: true, times: 1 } : {};
    if (faultType(twilioFault)) spell(`Twilio messages.create ${faultType(twilioFault)}`);
    if (twilioFault.dropAfterAccept) dropSetAt = Date.now();
    twilio.faults.set('messages.create', twilioFault as Fault);
    const now = Date.now();
    for (const down of downSpells) {
      if (down.until > now) continue;
      if (down.until > 0) {
        down.set({});
        down.until = 0;
      }
      const meanSeconds = (down.seconds[0] + down.seconds[1]) / 2;
      // Started with this chance per second, a spell of the mean length is on about `rate` of the time; a short run
      // that had none by its middle gets one then.
      const overdue = !record.spells[down.label] && (now - startedAt) / 1000 >= options.seconds / 2;
      if (rate > 0 && (overdue || random.chance(rate / (meanSeconds * (1 - rate))))) {
        down.until = now + random.int(down.seconds[0], down.seconds[1]) * 1000;
        down.set({ status: 503 });
        spell(down.label);
      }
    }
  };
  const startedAt = Date.now();
  const ticker = setInterval(tick, 1_000);

  const started = performance.now();
  let killing: Promise<void> | undefined;
  let next = 0;
  const kill = async () => {
    const alive = world.instances.filter((instance) => instance.alive);
    // Never the last one standing on Postgres: the point is a crash under a survivor; PGlite has only one.
    if (world.instances.length > 1 && alive.length < world.instances.length)
      return options.log('kill skipped: an instance is already down');
    const victim: Instance = world.instances[next++ % world.instances.length]!;
    // Mid-request when there is traffic (up to 3 s): clients must see their instance die under them.
    for (let waited = 0; victim.inFlight === 0 && waited < 3_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const atSeconds = (performance.now() - started) / 1000;
    options.log(`SIGKILL instance ${victim.name} (generation ${victim.generation}) at ${atSeconds.toFixed(0)} s`);
    const down = performance.now();
    try {
      await world.killAndRestart(victim);
      record.kills.push({ atSeconds, instance: victim.name, downSeconds: (performance.now() - down) / 1000 });
      options.log(`instance ${victim.name} back after ${((performance.now() - down) / 1000).toFixed(1)} s`);
    } catch (error) {
      record.kills.push({ atSeconds, instance: victim.name, downSeconds: Number.NaN, error: (error as Error).message });
      options.log(`instance ${victim.name} did not come back: ${(error as Error).message}`);
    }
  };
  const killTimers = options.killAtSeconds.map((seconds) =>
    setTimeout(() => {
      if (!killing) killing = kill().finally(() => (killing = undefined));
    }, seconds * 1000),
  );

  return {
    /** Stops injecting, waits for a restart under way, clears every fault; returns what was injected. */
    async stop(): Promise<ChaosRecord> {
      clearInterval(ticker);
      killTimers.forEach(clearTimeout);
      await killing;
      world.emulators.clearFaults();
      countDrop();
      world.host.faults.clear();
      return record;
    },
  };
}

/** Counts every request an emulator answered with a fault, by kind, by wrapping each emulator's `faults.take`. */
function countFaults(world: World, counts: Record<string, number>) {
  const label = (service: string) => (route: string) =>
    service === 'Google' ? `${route.startsWith('events.') ? 'Calendar' : 'Meet'} ${route}` : `${service} ${route}`;
  const targets = [
    { faults: world.emulators.google.faults, label: label('Google') },
    { faults: world.emulators.twilio.faults, label: label('Twilio') },
    { faults: world.emulators.ably.faults, label: label('Ably') },
    { faults: world.host.faults, label: () => 'host events endpoint' },
  ];
  for (const { faults, label } of targets) {
    const take = faults.take.bind(faults) as (route: string) => Droppable | undefined;
    (faults as { take: (route: string) => Droppable | undefined }).take = (route) => {
      const fault = take(route);
      const type = faultType(fault);
      if (type) {
        const kind = `${label(route)} ${type === '5xx' && !route.includes('.') ? 'down (5xx)' : type}`;
        counts[kind] = (counts[kind] ?? 0) + 1;
      }
      return fault;
    };
  }
}

/**
 * Whether the Twilio emulator drops the connection after accepting a message when asked `{ dropAfterAccept: true }`:
 * one probe message to a number no session uses. Setting a fault it does not know may throw, or be ignored.
 */
async function probeDropAfterAccept(world: World): Promise<boolean> {
  const { twilio } = world.emulators;
  try {
    twilio.faults.set('messages.create', { dropAfterAccept: true, times: 1 } as Fault);
  } catch {
    return false;
  }
  const to = '+14159999999';
  let dropped = false;
  try {
    const response = await fetch(`${twilio.url}/2010-04-01/Accounts/${TEST_TWILIO_ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${TEST_TWILIO_ACCOUNT_SID}:${TEST_TWILIO_AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ To: to, From: TEST_TWILIO_FROM_NUMBER, Body: 'soak probe' }),
      signal: AbortSignal.timeout(5_000),
    });
    await response.text();
  } catch {
    dropped = true;
  }
  twilio.faults.clear();
  return dropped && twilio.messages().some((message) => message.to === to);
}
