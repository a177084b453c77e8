/**
 * Config changes shared by AlterConfigs (which replaces a resource's whole override set) and
 * IncrementalAlterConfigs (SET, DELETE, APPEND, SUBTRACT per key): resource checks, applying the
 * operations, validation (INVALID_CONFIG with the reason), and storing the result in metadata
 * unless validate-only. Resources are TOPIC (the topic's overrides) and BROKER (the dynamic
 * broker configs, see broker-configs.ts); error codes and messages follow Kafka's.
 */
import { ErrorCode } from '@gregor/protocol';
import type { Broker } from '../broker.js';
import { buildBrokerConfig, ConfigError } from '../config/broker-config.js';
import { BROKER_TO_TOPIC } from '../partition/replica-manager.js';
import { brokerResourceProblem, isBrokerConfig, isDynamicBrokerConfig, isListBrokerConfig } from './broker-configs.js';
import { failure, TOPIC_CONFIG_KEYS, topicConfigProblem, topicNameProblem, type AdminResult } from './topic-admin.js';
import { describeTopicConfigs, isListTopicConfig } from './topic-configs.js';

/** Kafka's ConfigResource.Type ids. */
export const ConfigResourceType = { Topic: 2, Broker: 4, BrokerLogger: 8 } as const;

/** Kafka's AlterConfigOp.OpType ids. */
export const AlterConfigOp = { Set: 0, Delete: 1, Append: 2, Subtract: 3 } as const;

export interface ConfigChange {
  name: string;
  op: number;
  value: string | null;
}

export interface AlterResourceRequest {
  resourceType: number;
  resourceName: string;
  changes: ConfigChange[];
  /** AlterConfigs: the (SET) changes are the resource's complete new set of overrides. */
  replace: boolean;
  validateOnly: boolean;
}

const OK: AdminResult = { errorCode: ErrorCode.NONE, errorMessage: null };

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Indexes of resources that appear more than once (Kafka fails every copy with INVALID_REQUEST). */
export function duplicateResources(resources: { resourceType: number; resourceName: string }[]): Set<number> {
  const seen = new Map<string, number[]>();
  resources.forEach((r, i) => {
    const key = `${r.resourceType}\u0000${r.resourceName}`;
    seen.set(key, [...(seen.get(key) ?? []), i]);
  });
  return new Set([...seen.values()].filter((ix) => ix.length > 1).flat());
}

export const DUPLICATE_RESOURCE: AdminResult = failure(
  ErrorCode.INVALID_REQUEST,
  'Each resource must appear at most once.',
);

/** Applies the operations to `current`; returns the new override set, or an INVALID_CONFIG message. */
function applyChanges(
  current: Record<string, string>,
  req: AlterResourceRequest,
  isList: (name: string) => boolean,
  inherited: (name: string) => string,
): Record<string, string> | string {
  const next: Record<string, string> = req.replace ? {} : { ...current };
  for (const c of req.changes) {
    const value = c.value ?? '';
    switch (c.op) {
      case AlterConfigOp.Set:
        next[c.name] = value;
        break;
      case AlterConfigOp.Delete:
        delete next[c.name];
        break;
      default: {
        const verb = c.op === AlterConfigOp.Append ? 'append' : 'subtract';
        if (!isList(c.name)) return `Config value ${verb} is not allowed for config key: ${c.name}`;
        const items = splitList(next[c.name] ?? inherited(c.name));
        const given = splitList(value);
        const result =
          c.op === AlterConfigOp.Append
            ? [...items, ...given.filter((g, i) => !items.includes(g) && given.indexOf(g) === i)]
            : items.filter((item) => !given.includes(item));
        next[c.name] = result.join(',');
      }
    }
  }
  return next;
}

async function alterTopic(broker: Broker, req: AlterResourceRequest): Promise<AdminResult> {
  const nameProblem = topicNameProblem(req.resourceName);
  if (nameProblem) return failure(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  const topic = broker.metadata.topic(req.resourceName);
  if (!topic) return failure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${req.resourceName}' does not exist`);
  const unknown = req.changes.find((c) => !TOPIC_CONFIG_KEYS.includes(c.name));
  if (unknown) return failure(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${unknown.name}`);
  const defaults = describeTopicConfigs(broker, topic.name, {});
  const next = applyChanges(
    topic.configs,
    req,
    isListTopicConfig,
    (name) => defaults.find((e) => e.name === name)?.value ?? '',
  );
  if (typeof next === 'string') return failure(ErrorCode.INVALID_CONFIG, next);
  const problem = topicConfigProblem(next);
  if (problem) return failure(ErrorCode.INVALID_CONFIG, problem);
  if (!req.validateOnly) {
    await broker.metadata.setTopicConfigs(topic.name, next);
    broker.logger.info({ topic: topic.name, configs: next }, 'topic configs changed');
  }
  return OK;
}

async function alterBroker(broker: Broker, req: AlterResourceRequest): Promise<AdminResult> {
  const resourceProblem = brokerResourceProblem(broker, req.resourceName);
  if (resourceProblem) return failure(ErrorCode.INVALID_REQUEST, resourceProblem);
  const unknown = req.changes.find((c) => !isBrokerConfig(c.name));
  if (unknown) return failure(ErrorCode.INVALID_CONFIG, `unknown broker config '${unknown.name}'`);
  const readOnly = req.changes.filter((c) => !isDynamicBrokerConfig(c.name)).map((c) => c.name);
  if (readOnly.length > 0)
    return failure(
      ErrorCode.INVALID_CONFIG,
      `Cannot update these configs dynamically: ${readOnly.join(', ')}. Only ${Object.keys(BROKER_TO_TOPIC).join(', ')} ` +
        'can change at runtime; set the others in the broker configuration and restart.',
    );
  const next = applyChanges(broker.metadata.brokerConfigs(), req, isListBrokerConfig, (name) =>
    isBrokerConfig(name) ? broker.config.values[name] : '',
  );
  if (typeof next === 'string') return failure(ErrorCode.INVALID_CONFIG, next);
  try {
    buildBrokerConfig(broker.config.values, next);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return failure(ErrorCode.INVALID_CONFIG, err.message.replace(/^invalid configuration:\s*/, '').trim());
  }
  const asTopicConfigs: Record<string, string> = {};
  for (const [name, value] of Object.entries(next)) asTopicConfigs[BROKER_TO_TOPIC[name]!] = value;
  const problem = topicConfigProblem(asTopicConfigs);
  if (problem) return failure(ErrorCode.INVALID_CONFIG, problem);
  if (!req.validateOnly) {
    await broker.metadata.setBrokerConfigs(next);
    broker.logger.info({ configs: next }, 'dynamic broker configs changed');
  }
  return OK;
}

/** Checks and applies one resource's changes (nothing is stored when validate-only). */
export async function alterResourceConfigs(broker: Broker, req: AlterResourceRequest): Promise<AdminResult> {
  const names = req.changes.map((c) => c.name);
  if (new Set(names).size !== names.length)
    return failure(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  const badOp = req.changes.find((c) => !Object.values(AlterConfigOp).includes(c.op as never));
  if (badOp) return failure(ErrorCode.INVALID_REQUEST, `Unknown operation type ${badOp.op} for ${badOp.name}`);
  const nulls = req.changes.filter((c) => c.op !== AlterConfigOp.Delete && c.value === null).map((c) => c.name);
  if (nulls.length > 0) return failure(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(', ')}`);
  switch (req.resourceType) {
    case ConfigResourceType.Topic:
      return alterTopic(broker, req);
    case ConfigResourceType.Broker:
      return alterBroker(broker, req);
    case ConfigResourceType.BrokerLogger:
      return failure(
        ErrorCode.INVALID_REQUEST,
        req.replace
          ? `Unknown resource type ${req.resourceType}`
          : 'broker loggers cannot be changed at runtime on this broker (log.level is set at startup)',
      );
    default:
      return failure(ErrorCode.INVALID_REQUEST, `Unknown resource type ${req.resourceType}`);
  }
}

/**
 * Applies AlterConfigs or IncrementalAlterConfigs to every resource of a request (duplicates
 * refused), returning the per-resource responses both APIs share.
 */
export async function alterAllResources<R extends { resourceType: number; resourceName: string }>(
  broker: Broker,
  resources: R[],
  changesOf: (resource: R) => ConfigChange[],
  options: { replace: boolean; validateOnly: boolean },
): Promise<{ errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[]> {
  const duplicates = duplicateResources(resources);
  const responses = [];
  for (const [i, r] of resources.entries()) {
    const result = duplicates.has(i)
      ? DUPLICATE_RESOURCE
      : await alterResourceConfigs(broker, {
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          changes: changesOf(r),
          ...options,
        });
    responses.push({
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    });
  }
  return responses;
}
