import { validator } from 'hono/validator';
import type { z } from 'zod';
import { ERROR_CODES } from '../../shared/index.ts';
import { ApiError } from './errors.ts';

/**
 * Parses with zod or throws ApiError 400 naming every problem by its path (prefixed with `prefix`, e.g. `data`).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = [...(prefix ? [prefix] : []), ...issue.path].join('.');
    if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  throw new ApiError(400, ERROR_CODES.invalidRequest, problems.join('; '));
}

/** Hono validator for a JSON body: 415 for another content type, 400 for malformed JSON or a bad shape. */
export const jsonBody = <T extends z.ZodType>(schema: T) =>
  validator('json', (value, c) => {
    if (!/^application\/([a-z.+-]*\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
      throw new ApiError(415, ERROR_CODES.unsupportedMediaType, 'Send the body as JSON (Content-Type: application/json).');
    }
    return parseOrThrow(schema, value);
  });

/** Hono validator for path parameters. */
export const pathParams = <T extends z.ZodType>(schema: T) => validator('param', (value) => parseOrThrow(schema, value));

/** Hono validator for the query string. */
export const queryParams = <T extends z.ZodType>(schema: T) => validator('query', (value) => parseOrThrow(schema, value));
