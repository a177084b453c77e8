/**
 * The client's errors. Everything a broker reports, and every network failure, is a `KafkaError`
 * carrying Kafka's numeric `code`, its `name` (`errorName(code)`, e.g. NOT_LEADER_OR_FOLLOWER) and
 * whether a retry may succeed (`retriable`). Misuse of the client itself (sending on a closed
 * producer, a buffer that stays full) is a `KafkaClientError` with a stable string code.
 */
// The error table alone, so that importing the errors does not load the codec.
import { ErrorCode, errorName, isRetriable } from '@gregor/protocol/error-codes';

export interface KafkaErrorContext {
  topic?: string;
  partition?: number;
  /** host:port of the broker involved, when there is one. */
  broker?: string;
  cause?: unknown;
}

export class KafkaError extends Error {
  /** Kafka's error name for `code`, e.g. `UNKNOWN_TOPIC_OR_PARTITION`. */
  override readonly name: string;
  readonly retriable: boolean;
  readonly topic: string | undefined;
  readonly partition: number | undefined;
  readonly broker: string | undefined;

  constructor(
    readonly code: number,
    message?: string | null,
    context: KafkaErrorContext = {},
  ) {
    const name = errorName(code);
    const where =
      context.topic === undefined
        ? ''
        : `${context.topic}${context.partition === undefined ? '' : `-${context.partition}`}`;
    // The name is not repeated in the message: String(error) prints "NAME: message".
    const text = [where, message].filter(Boolean).join(': ') || name;
    super(text, context.cause === undefined ? {} : { cause: context.cause });
    this.name = name;
    this.retriable = isRetriable(code);
    this.topic = context.topic;
    this.partition = context.partition;
    this.broker = context.broker;
  }
}

/** The connection to a broker failed or closed (NETWORK_EXCEPTION, retriable). */
export class ConnectionError extends KafkaError {
  constructor(broker: string, message: string, cause?: unknown) {
    super(ErrorCode.NETWORK_EXCEPTION, `${broker}: ${message}`, { broker, cause });
  }
}

/** No response within the request timeout (REQUEST_TIMED_OUT, retriable); the connection is closed. */
export class RequestTimeoutError extends KafkaError {
  constructor(broker: string, message: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, `${broker}: ${message}`, { broker });
  }
}

/**
 * The broker supports no version of an API that this client can speak (UNSUPPORTED_VERSION).
 * `api` is set when the broker does not offer the API at all (e.g. ElectLeaders on a broker
 * without a controller), as opposed to a version or feature out of range.
 */
export class UnsupportedVersionError extends KafkaError {
  constructor(
    broker: string,
    message: string,
    readonly api?: { key: number; name: string },
  ) {
    super(ErrorCode.UNSUPPORTED_VERSION, `${broker}: ${message}`, { broker });
  }
}

export const ClientErrorCode = {
  /** The producer, consumer or admin was closed. */
  Closed: 'ERR_CLOSED',
  /** `bufferMemory` stayed full for `maxBlockMs`. */
  BufferExhausted: 'ERR_BUFFER_EXHAUSTED',
  /** A record did not get delivered within `deliveryTimeoutMs`. */
  DeliveryTimeout: 'ERR_DELIVERY_TIMEOUT',
  /** Options that contradict each other or are out of range. */
  InvalidConfig: 'ERR_INVALID_CONFIG',
  /** A call that needs state the client does not have (e.g. seeking an unassigned partition). */
  IllegalState: 'ERR_ILLEGAL_STATE',
  /** A record larger than `maxRequestSize` or `bufferMemory`. */
  RecordTooLarge: 'ERR_RECORD_TOO_LARGE',
  /** No broker in the bootstrap list could be reached. */
  NoBrokers: 'ERR_NO_BROKERS',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

export class KafkaClientError extends Error {
  override readonly name = 'KafkaClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Throws a KafkaError for a non-zero code. */
export function throwIfError(code: number, message?: string | null, context?: KafkaErrorContext): void {
  if (code !== ErrorCode.NONE) throw new KafkaError(code, message, context);
}

/** True when a retry may succeed: a retriable KafkaError. */
export const isRetriableError = (e: unknown): boolean => e instanceof KafkaError && e.retriable;
