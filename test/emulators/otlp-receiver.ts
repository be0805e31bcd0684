import { listen, type Listening } from './listen.ts';

/** One span as received, its attributes flattened (`{ key: value }`). */
export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  serviceName: string;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  /** 2 is an error. */
  statusCode: number;
};

export type OtlpReceiver = Listening & {
  /** `${url}/v1/traces`'s base: what OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  endpoint: string;
  /** Every span received, in arrival order (copies). */
  spans(): ReceivedSpan[];
  clear(): void;
};

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value?: AnyValue };
type OtlpSpan = {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number };
};
type ExportTraceServiceRequest = {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
};

const HEX = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);
const valueOf = (value: AnyValue | undefined) =>
  value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : (value?.doubleValue ?? value?.boolValue));
const flatten = (attributes: KeyValue[] = []) => Object.fromEntries(attributes.map((entry) => [entry.key, valueOf(entry.value)]));

/**
 * An OpenTelemetry collector's OTLP/HTTP trace endpoint on 127.0.0.1, JSON encoding only (set
 * `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`): `POST /v1/traces` with `application/json` stores the spans and answers
 * 200 `{}`; another content type is 415, a body that is not an ExportTraceServiceRequest (ids not hex, a span
 * without a name) is 400 and stores nothing — as the collector refuses them.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  let received: ReceivedSpan[] = [];
  const refuse = (status: number, message: string) => Response.json({ code: 3, message }, { status });
  const server = await listen(async (request) => {
    const path = new URL(request.url).pathname;
    if (request.method !== 'POST' || path !== '/v1/traces') return refuse(404, `No route for ${request.method} ${path}`);
    if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
      return refuse(415, 'This receiver accepts OTLP/HTTP JSON only (Content-Type: application/json)');
    }
    let body: ExportTraceServiceRequest;
    try {
      body = (await request.json()) as ExportTraceServiceRequest;
    } catch {
      return refuse(400, 'The body is not JSON');
    }
    if (!Array.isArray(body.resourceSpans)) return refuse(400, 'resourceSpans is required');
    const batch: ReceivedSpan[] = [];
    for (const resourceSpans of body.resourceSpans) {
      const serviceName = String(flatten(resourceSpans.resource?.attributes)['service.name'] ?? '');
      for (const span of (resourceSpans.scopeSpans ?? []).flatMap((scope) => scope.spans ?? [])) {
        if (!span.name || !HEX(32).test(span.traceId ?? '') || !HEX(16).test(span.spanId ?? '')) {
          return refuse(400, `Invalid span ${JSON.stringify(span.name)}: a name and hex traceId/spanId are required`);
        }
        batch.push({
          traceId: span.traceId!,
          spanId: span.spanId!,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind ?? 0,
          serviceName,
          attributes: flatten(span.attributes),
          links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
          statusCode: span.status?.code ?? 0,
        });
      }
    }
    received.push(...batch);
    return Response.json({});
  });
  return {
    ...server,
    endpoint: server.url,
    spans: () => received.map((span) => ({ ...span })),
    clear: () => void (received = []),
  };
}
