/**
 * FindCoordinator (10), v0-6: the broker coordinating a group key. v0-3 ask for one key, v4+
 * for a batch. The first GROUP lookup creates __consumer_offsets.
 *
 * TRANSACTION keys fail fast until this broker has a transaction coordinator: with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a message saying why. That is the one answer
 * librdkafka (confluent-kafka, kcat) and kafkajs treat as fatal at this step — anything retriable
 * (COORDINATOR_NOT_AVAILABLE) leaves init_transactions() waiting for its whole timeout — and
 * librdkafka prints the message with it. No transactional id can be used here, so the code's
 * meaning holds.
 */
import { ApiKey, ErrorCode, type FindCoordinatorResponseCoordinatorInput } from '@gregor/protocol';
import type { Broker } from '../broker.js';
import { OFFSETS_TOPIC } from '../coordinator/coordinator.js';
import { defineHandler } from './handler.js';

/** Why a transactional producer is refused, as clients show it. */
export const TRANSACTIONS_UNSUPPORTED =
  'Gregor does not support transactions yet (no transaction coordinator); unset transactional.id ' +
  '(enable.idempotence alone still gives exactly-once writes per partition)';

const GROUP = 0;
const TRANSACTION = 1;

async function find(broker: Broker, key: string, keyType: number): Promise<FindCoordinatorResponseCoordinatorInput> {
  const answer = (errorCode: number, errorMessage: string | null = null): FindCoordinatorResponseCoordinatorInput => ({
    key,
    nodeId: errorCode === ErrorCode.NONE ? broker.config.nodeId : -1,
    host: errorCode === ErrorCode.NONE ? self(broker).host : '',
    port: errorCode === ErrorCode.NONE ? self(broker).port : -1,
    errorCode,
    errorMessage,
  });
  if (keyType === TRANSACTION) {
    broker.logger.warn(
      { transactionalId: key },
      'refused a transactional producer: transactions are not supported yet',
    );
    return answer(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, TRANSACTIONS_UNSUPPORTED);
  }
  if (keyType !== GROUP) return answer(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`);
  await broker.groups.ensureTopic();
  // The coordinator is the leader of the group's __consumer_offsets partition, wherever it is.
  const state = broker.metadata.topic(OFFSETS_TOPIC)?.partitions[broker.groups.partitionFor(key)];
  if (state && state.leader !== broker.config.nodeId) {
    const leader = broker.metadata.brokers().find((b) => b.nodeId === state.leader);
    if (!leader) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      key,
      nodeId: leader.nodeId,
      host: leader.host,
      port: leader.port,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
    };
  }
  const error = broker.groups.coordinatorError(key);
  // A partition still loading is coordinated here all the same: the client will retry its request.
  if (error !== ErrorCode.NONE && error !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return answer(error);
  return answer(ErrorCode.NONE);
}

function self(broker: Broker): { host: string; port: number } {
  const me = broker.metadata.brokers().find((b) => b.nodeId === broker.config.nodeId);
  return { host: me?.host ?? '127.0.0.1', port: me?.port ?? broker.port };
}

export default defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    if (ctx.apiVersion >= 4) {
      const coordinators = [];
      for (const key of req.coordinatorKeys) coordinators.push(await find(ctx.broker, key, req.keyType));
      return { throttleTimeMs: 0, coordinators };
    }
    const c = await find(ctx.broker, req.key, ctx.apiVersion >= 1 ? req.keyType : GROUP);
    return {
      throttleTimeMs: 0,
      errorCode: c.errorCode,
      errorMessage: c.errorMessage,
      nodeId: c.nodeId,
      host: c.host,
      port: c.port,
    };
  },
});
