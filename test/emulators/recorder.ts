/** One request as an emulator received it, with its body parsed (JSON, form or msgpack). */
export type RecordedRequest<Route extends string = string> = {
  route: Route;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  // Parsed wire data of any shape; `any` lets tests reach into it (`request.body?.To`).
  body: any;
  receivedAt: number;
};

export type Recorder<Route extends string = string> = {
  record(request: RecordedRequest<Route>): void;
  /** Requests received, oldest first; only those of `route` when given. */
  requests(route?: Route): RecordedRequest<Route>[];
  clear(): void;
};

export function createRecorder<Route extends string>(): Recorder<Route> {
  let received: RecordedRequest<Route>[] = [];
  return {
    record: (request) => void received.push(request),
    requests: (route) => (route ? received.filter((request) => request.route === route) : [...received]),
    clear: () => void (received = []),
  };
}
