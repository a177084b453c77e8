/** Helpers for the client tests (which run against a real broker from the broker's test kit). */
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, ConsumerRecord } from '../../src/index.js';

export const uniqueTopic = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Polls until `count` records arrived (or throws after `timeoutMs`). */
export async function consumeN(consumer: Consumer, count: number, timeoutMs = 15_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${out.length} of ${count} records within ${timeoutMs} ms`);
    for (const r of await consumer.poll(200)) out.push(r);
  }
  return out;
}

export async function createTopic(
  admin: Admin,
  topic: string,
  numPartitions = 1,
  configs: Record<string, string> = {},
) {
  await admin.createTopics([{ topic, numPartitions, replicationFactor: 1, configs }]);
}
