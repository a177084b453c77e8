/** Group options with Kafka's defaults, checked once. */
import { ClientErrorCode, KafkaClientError } from '../errors.js';
import { resolveAssignors } from './assignors/index.js';
import type { GroupOptions, ResolvedGroupOptions } from './types.js';

/** The resolved options, or null without a `groupId`. */
export function resolveGroupOptions(o: GroupOptions): ResolvedGroupOptions | null {
  if (o.groupId === undefined) return null;
  if (o.groupId === '') throw new KafkaClientError(ClientErrorCode.InvalidConfig, 'groupId must not be empty');
  const resolved: ResolvedGroupOptions = {
    groupId: o.groupId,
    groupInstanceId: o.groupInstanceId ?? null,
    groupProtocol: o.groupProtocol ?? 'classic',
    sessionTimeoutMs: o.sessionTimeoutMs ?? 45_000,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 300_000,
    assignors: resolveAssignors(o.assignors ?? ['range', 'cooperative-sticky']),
    groupRemoteAssignor: o.groupRemoteAssignor ?? null,
    autoCommit: o.autoCommit ?? true,
    autoCommitIntervalMs: o.autoCommitIntervalMs ?? 5_000,
  };
  if (resolved.groupProtocol === 'classic' && resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs)
    throw new KafkaClientError(ClientErrorCode.InvalidConfig, 'heartbeatIntervalMs must be below sessionTimeoutMs');
  if (resolved.groupInstanceId === '')
    throw new KafkaClientError(ClientErrorCode.InvalidConfig, 'groupInstanceId must not be empty');
  return resolved;
}
