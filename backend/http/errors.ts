import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_CODES, type ApiErrorBody, type ErrorCode } from '../../shared/index.ts';
import type { Logger } from '../logger.ts';
import { describeError } from './describe-error.ts';

/** An error the client caused or may act on; answered as `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const errorBody = (code: ErrorCode, message: string): ApiErrorBody => ({ error: { code, message } });

const codeForStatus = (status: number): ErrorCode =>
  status === 401
    ? ERROR_CODES.unauthorized
    : status === 403
      ? ERROR_CODES.forbidden
      : status === 404
        ? ERROR_CODES.notFound
        : status === 413
          ? ERROR_CODES.payloadTooLarge
          : status >= 500
            ? ERROR_CODES.internal
            : ERROR_CODES.badRequest;

/** One error shape everywhere; unexpected errors are logged by request id and kind (describeError) and answered without details. */
export function createErrorHandler(log: Logger): ErrorHandler {
  return (error, c) => {
    if (error instanceof ApiError) {
      return c.json(errorBody(error.code, error.message), error.status, error.headers);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return c.json(errorBody(codeForStatus(status), error.message || 'Bad request'), status);
    }
    const requestId = c.get('requestId');
    // By kind, never by content: a database error's message and parameters hold customers' names and phones.
    log.error('unhandled error', { requestId, path: c.req.path, ...describeError(error) });
    return c.json(errorBody(ERROR_CODES.internal, `Something went wrong on our side (request ${requestId}).`), 500);
  };
}

export const notFoundHandler: NotFoundHandler = (c) =>
  c.json(errorBody(ERROR_CODES.notFound, `No route for ${c.req.method} ${c.req.path}`), 404);
