/**
 * CreateTopics (19), v0-7: creates topics with a partition count and replication factor or an
 * explicit assignment, and config overrides; validate-only checks without creating. From v5 the
 * response describes the created topic's configs.
 */
import { ApiKey, ErrorCode, ZERO_UUID, type CreateTopicsResponseCreatableTopicResultInput } from '@gregor/protocol';
import { createTopic } from '../admin/topic-admin.js';
import { describeTopicConfigs } from '../admin/topic-configs.js';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, req) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics: CreateTopicsResponseCreatableTopicResultInput[] = [];
    for (const t of req.topics) {
      const failed = (errorCode: number, errorMessage: string | null) => ({
        name: t.name,
        errorCode,
        errorMessage,
        numPartitions: -1,
        replicationFactor: -1,
        configs: null,
      });
      if ((counts.get(t.name) ?? 0) > 1) {
        topics.push(failed(ErrorCode.INVALID_REQUEST, `topic '${t.name}' appears more than once in the request`));
        continue;
      }
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const result = await createTopic(ctx.broker, {
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments,
        configs,
        validateOnly: req.validateOnly,
      });
      if (result.errorCode !== ErrorCode.NONE) {
        topics.push(failed(result.errorCode, result.errorMessage));
        continue;
      }
      const created = result.value ?? null;
      const partitions = created
        ? created.partitions.length
        : t.numPartitions === -1
          ? ctx.broker.config.int('num.partitions')
          : t.numPartitions;
      topics.push({
        name: t.name,
        topicId: created?.topicId ?? ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: partitions,
        replicationFactor: created ? (created.partitions[0]?.replicas.length ?? 1) : Math.max(t.replicationFactor, 1),
        configs: describeTopicConfigs(ctx.broker, t.name, configs).map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.configSource,
          isSensitive: false,
        })),
      });
    }
    return { throttleTimeMs: 0, topics };
  },
});
