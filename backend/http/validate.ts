import { validator } from 'hono/validator';
import type { z } from 'zod';
import { ERROR_CODES } from '../../shared/index.ts';
import { ApiError } from './errors.ts';

/** Parses with zod or throws a 400 naming every problem. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') return `unknown field(s): ${issue.keys.join(', ')}`;
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  throw new ApiError(400, ERROR_CODES.invalidRequest, problems.join('; '));
}

/** Hono validator for a JSON body (Hono itself answers 400 for a wrong content type or malformed JSON). */
export const jsonBody = <T extends z.ZodType>(schema: T) => validator('json', (value) => parseOrThrow(schema, value));

/** Hono validator for path parameters. */
export const pathParams = <T extends z.ZodType>(schema: T) => validator('param', (value) => parseOrThrow(schema, value));
