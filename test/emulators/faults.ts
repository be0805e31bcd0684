/** A failure to inject on one route: an error status (with the service's own error body unless `body` is given), a delay, or both. */
export type Fault = {
  status?: number;
  body?: unknown;
  latencyMs?: number;
  /** How many requests it applies to; unlimited when omitted. */
  times?: number;
};

/** Waits out a fault's injected latency: a clock on purpose, the delay is the fault under test. */
export function waitOutLatency(latencyMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, latencyMs));
}

export type Faults<Route extends string = string> = {
  set(route: Route, fault: Fault): void;
  clear(): void;
  /** The fault for this request, counting it against `times`; undefined when none applies. */
  take(route: Route): Fault | undefined;
};

/** Per-route fault injection; setting a route the emulator does not serve throws, so typos fail loudly. */
export function createFaults<Route extends string>(routes: readonly Route[]): Faults<Route> {
  const active = new Map<Route, Fault>();
  return {
    set(route, fault) {
      if (!routes.includes(route)) throw new Error(`Unknown route "${route}"; this emulator serves ${routes.join(', ')}`);
      active.set(route, { ...fault });
    },
    clear: () => active.clear(),
    take(route) {
      const fault = active.get(route);
      if (!fault) return undefined;
      if (fault.times !== undefined) {
        fault.times -= 1;
        if (fault.times <= 0) active.delete(route);
      }
      return fault;
    },
  };
}
