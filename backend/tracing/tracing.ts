import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

/**
 * Whether the standard OpenTelemetry variables ask for traces: `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or an `OTEL_TRACES_EXPORTER` other than `none`. Otherwise the SDK is never
 * loaded and every span below is OpenTelemetry's no-op.
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || exporter);
}

const tracer = trace.getTracer('savvysolve-meet');

/** The attributes every database span carries (OpenTelemetry's database conventions). */
export const DB_SPAN: Attributes = { 'db.system.name': 'postgresql' };

/**
 * Runs `work` in a span named `name` (a child of the active one), recording a thrown error on it. Without the SDK
 * the span is a no-op.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
