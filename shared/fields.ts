import { z } from 'zod';

/** E.164: a plus sign, then up to 15 digits, no leading zero. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** An email address, stored and compared lower-case. */
export const emailSchema = z
  .email('must be an email address')
  .max(255)
  .transform((value) => value.toLowerCase());

/** A session id: SavvySolve's UUID, lower-cased so every spelling names one row. */
export const sessionIdSchema = z.uuid('sessionId must be a UUID').transform((value) => value.toLowerCase());

// C0 and C1 control characters (NUL included): Postgres refuses NUL, and none belongs in a name.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

// Unicode format characters (category Cf): bidi overrides and isolates, zero-width spaces and joiners, soft hyphens.
// Invisible in a name, they reorder or hide what the customer's SMS and the side panel show.
const FORMAT_CHARACTERS = /\p{Cf}/u;

/**
 * A human-readable text field (a name): trimmed, 1–255 characters, ordinary Unicode, no control characters and no
 * format characters (Cf).
 */
export const textFieldSchema = (field: string) =>
  z
    .string(`${field} must be a string`)
    .trim()
    .min(1, `${field} is required`)
    .max(255, `${field} is longer than 255 characters`)
    .refine((value) => !CONTROL_CHARACTERS.test(value), `${field} must not contain control characters`)
    .refine(
      (value) => !FORMAT_CHARACTERS.test(value),
      `${field} must not contain invisible format characters (bidi overrides, zero-width spaces or joiners)`,
    );
