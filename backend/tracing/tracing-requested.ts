// Apart from tracing.ts: the configuration reads it, and loading it must not load OpenTelemetry's API (the CLIs).

/**
 * Whether the standard OpenTelemetry variables ask for traces: `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or an `OTEL_TRACES_EXPORTER` other than `none`. Otherwise the SDK is never
 * loaded and every span (tracing.ts `inSpan`) is OpenTelemetry's no-op.
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || exporter);
}
