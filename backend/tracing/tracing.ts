import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

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
