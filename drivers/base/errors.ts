/**
 * One error class with codes. Tests assert codes, not messages; the HTTP,
 * SIP and MQTT layers map codes to their statuses in one table each.
 */
export type ErrorCode =
  // configuration and start-up
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'BOARD_INVALID'
  | 'DATA_DIR_UNUSABLE'
  // generic request problems
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'INTERNAL'
  // drivers
  | 'DEVICE_MISSING'
  | 'DEVICE_FAILED'
  | 'PORT_BUSY'
  | 'AT_TIMEOUT'
  | 'AT_ERROR'
  | 'MODEM_NOT_READY'
  // protocols and codecs
  | 'SIP_PARSE'
  | 'SIP_TRANSPORT'
  | 'PDU_INVALID'
  | 'MEDIA_INVALID'
  | 'WAV_INVALID'
  | 'SMS_INVALID';

export class LinegateError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LinegateError';
    this.code = code;
    this.details = options.details;
  }
}

export function isLinegateError(err: unknown, code?: ErrorCode): err is LinegateError {
  return err instanceof LinegateError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for logs and API answers. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
