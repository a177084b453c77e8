/**
 * Errors raised while reading or writing Kafka bytes. Each carries a stable `code` so callers
 * (the broker's connection loop above all) can decide what to do without matching messages.
 * Kafka error codes that travel inside responses are not exceptions: see `error-codes.ts`.
 */
export const ProtocolErrorCode = {
  /** The buffer ended before the value being read. */
  Truncated: 'ERR_TRUNCATED',
  /** A length or count was negative where only null (-1) or a non-negative value is allowed. */
  NegativeLength: 'ERR_NEGATIVE_LENGTH',
  /** A length or count points past the end of the buffer. */
  LengthOutOfRange: 'ERR_LENGTH_OUT_OF_RANGE',
  /** A varint was longer than its type allows. */
  VarintTooLong: 'ERR_VARINT_TOO_LONG',
  /** The API key is not one Kafka defines. */
  UnknownApiKey: 'ERR_UNKNOWN_API_KEY',
  /** The version is outside the API's valid versions. */
  UnsupportedVersion: 'ERR_UNSUPPORTED_VERSION',
  /** A checksum did not match the bytes it covers. */
  CorruptChecksum: 'ERR_CORRUPT_CHECKSUM',
  /** Bytes that cannot be a valid message (bad magic, bad attributes, bad compression). */
  CorruptMessage: 'ERR_CORRUPT_MESSAGE',
  /** A frame larger than the configured maximum. */
  FrameTooLarge: 'ERR_FRAME_TOO_LARGE',
  /** A value cannot be written in the requested version (a non-default field the version lacks). */
  UnsupportedField: 'ERR_UNSUPPORTED_FIELD',
  /** A value out of range for its wire type. */
  InvalidValue: 'ERR_INVALID_VALUE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}
