/**
 * Errors and exit codes. A `UsageError` is a bad invocation (exit 2, like commander's own parse
 * errors); anything else is a runtime failure (exit 1), printed as one readable line: a broker
 * that cannot be reached names the address and the reason, a broker error its Kafka name.
 */
import { KafkaClientError, KafkaError, UnsupportedVersionError } from '@gregor/client/errors';

export const ExitCode = { Ok: 0, Runtime: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A bad argument or a contradictory combination of options (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the command itself detected, already worded for the user (exit 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
};

function socketCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    const code = (c as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code in SOCKET_REASONS) return code;
  }
  return undefined;
}

/** APIs only a broker with a controller serves (Kafka 2.4+, or Gregor in cluster mode). */
const CONTROLLER_APIS = new Set([43, 45, 46]); // ElectLeaders, Alter/ListPartitionReassignments

/** One line (no "gregor:" prefix) describing `e` for the user. */
export function describeError(e: unknown, bootstrap: string): string {
  if (e instanceof UsageError || e instanceof CliError) return e.message;
  const code = socketCode(e);
  if (code !== undefined) {
    const where = e instanceof KafkaError && e.broker ? e.broker : bootstrap;
    return `cannot reach broker at ${where}: ${SOCKET_REASONS[code]}`;
  }
  if (e instanceof KafkaError && e.name === 'NETWORK_EXCEPTION') {
    const where = e.broker ?? bootstrap;
    if (/connect timed out/.test(e.message)) return `cannot reach broker at ${where}: connect timed out`;
    return `lost the connection to the broker at ${where}: ${e.message.replace(`${where}: `, '')}`;
  }
  if (e instanceof UnsupportedVersionError && e.api) {
    const needs = CONTROLLER_APIS.has(e.api.key) ? '; it needs a cluster-mode Gregor or Kafka 2.4+' : '';
    return `the broker at ${e.broker ?? bootstrap} does not support ${e.api.name} (API ${e.api.key})${needs}`;
  }
  if (e instanceof KafkaClientError && e.code === 'ERR_NO_BROKERS') return `cannot reach any broker (${bootstrap})`;
  if (e instanceof KafkaError) return `${e.message} (${e.name})`;
  if (e instanceof Error) return e.message;
  return String(e);
}
