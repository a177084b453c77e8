/**
 * Raw-protocol helpers for the admin API tests: creating a topic (optionally with records, written
 * through kafkajs's producer), IncrementalAlterConfigs and DescribeConfigs requests.
 */
import assert from 'node:assert/strict';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { Kafka, logLevel } from 'kafkajs';
import type { RawClient } from './raw-client.js';

/** Kafka's ConfigResource.Type ids. */
export const TOPIC = 2;
export const BROKER = 4;
export const BROKER_LOGGER = 8;
/** Kafka's AlterConfigOp.OpType ids. */
export const [SET, DELETE, APPEND, SUBTRACT] = [0, 1, 2, 3] as const;

export async function createTopic(
  raw: RawClient,
  bootstrap: string,
  name: string,
  numPartitions = 1,
  records = 0,
): Promise<void> {
  const res = await raw.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(res.topics[0]?.errorCode, ErrorCode.NONE);
  if (records === 0) return;
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const messages = Array.from({ length: records }, (_, i) => ({ value: `${i}` }));
    await producer.send({ topic: name, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

export const incrementalAlter = (
  raw: RawClient,
  resourceType: number,
  resourceName: string,
  configs: [name: string, op: number, value: string | null][],
  validateOnly = false,
  version = 1,
) =>
  raw.request(ApiKey.IncrementalAlterConfigs, version, {
    resources: [
      {
        resourceType,
        resourceName,
        configs: configs.map(([name, configOperation, value]) => ({ name, configOperation, value })),
      },
    ],
    validateOnly,
  });

/** One resource's DescribeConfigs result, with synonyms (v1+) and documentation (v3+). */
export async function describeConfigs(
  raw: RawClient,
  resourceType: number,
  resourceName: string,
  keys: string[] | null = null,
  version = 4,
) {
  const res = await raw.request(ApiKey.DescribeConfigs, version, {
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms: version >= 1,
    includeDocumentation: version >= 3,
  });
  return res.results[0]!;
}
