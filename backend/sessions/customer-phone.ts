import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js';
import { ERROR_CODES } from '../../shared/index.ts';
import { ApiError } from '../http/errors.ts';

/**
 * A customer's phone number as E.164 (`+14155550123`), from any format libphonenumber-js reads: international
 * (`+1 415 555 0123`) always, national (`(415) 555-0123`) with `region` (DEFAULT_PHONE_REGION).
 * @throws ApiError 400 naming `field` when the number cannot be read or is not a possible number.
 */
export function toE164(text: string, region: CountryCode | undefined, field = 'customerPhone'): string {
  const refuse = (why: string) => new ApiError(400, ERROR_CODES.invalidRequest, `${field}: ${why}`);
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(text, region);
  } catch (error) {
    const code = error instanceof Error ? error.message : '';
    if (code === 'INVALID_COUNTRY')
      throw refuse(
        region
          ? `"${mask(text)}" is not a phone number`
          : 'give the number in international format (+…), or set DEFAULT_PHONE_REGION on the backend for national numbers',
      );
    throw refuse(`"${mask(text)}" is not a phone number`);
  }
  if (!parsed.isValid()) throw refuse(`${mask(text)} is not a valid phone number${parsed.country ? ` in ${parsed.country}` : ''}`);
  return parsed.number;
}

// Error messages may be logged: keep only enough of the number to recognise it.
const mask = (text: string) => (text.length > 4 ? `…${text.slice(-4)}` : '…');
