/**
 * `gregor consume TOPIC`, as kafka-console-consumer: from the end by default, --from-beginning,
 * --offset N --partition P, --from-timestamp MS, or --group G (committed offsets, committed back
 * as records are printed). Stops after --max-messages, after --timeout-ms without a record, or
 * on SIGINT/SIGTERM, then prints "Processed a total of N messages" to stderr.
 *
 * With --group the consumer joins the group (the client's subscribe(), classic protocol) and
 * commits the positions of its partitions every 5 s and on exit, as Kafka's console consumer;
 * records fetched but not printed (past --max-messages) are not counted as consumed.
 * --from-beginning then applies only where the group has no offset.
 */
import { once } from 'node:events';
import { Consumer, type ConsumerRecord, type OffsetSpec, type PartitionAssignment } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';

export interface ConsumeOptions {
  fromBeginning?: boolean;
  offset?: string;
  partition?: number;
  fromTimestamp?: number;
  group?: string;
  maxMessages?: number;
  timeoutMs?: number;
  printKey?: boolean;
  printOffset?: boolean;
  printPartition?: boolean;
  printTimestamp?: boolean;
  printHeaders?: boolean;
  keySeparator: string;
  format: 'text' | 'json';
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));

export function formatRecord(r: ConsumerRecord, o: ConsumeOptions): string {
  if (o.format === 'json') {
    const headers: Record<string, string | null> = {};
    for (const h of r.headers) headers[h.key] = text(h.value);
    return JSON.stringify({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: r.timestampType,
      key: text(r.key),
      value: text(r.value),
      headers,
    });
  }
  const parts: string[] = [];
  if (o.printTimestamp)
    parts.push(r.timestampType === 'NoTimestamp' ? 'NO_TIMESTAMP' : `${r.timestampType}:${r.timestamp}`);
  if (o.printPartition) parts.push(`Partition:${r.partition}`);
  if (o.printOffset) parts.push(`Offset:${r.offset}`);
  if (o.printHeaders)
    parts.push(
      r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}:${text(h.value) ?? 'null'}`).join(','),
    );
  if (o.printKey) parts.push(text(r.key) ?? 'null');
  parts.push(text(r.value) ?? 'null');
  return parts.join(o.keySeparator);
}

function parseOffset(value: string): OffsetSpec {
  if (value === 'earliest' || value === 'latest') return value;
  if (/^\d+$/.test(value)) return Number(value);
  throw new UsageError(`--offset expects a non-negative number, earliest or latest, got '${value}'`);
}

function validate(o: ConsumeOptions): void {
  if (o.offset !== undefined && o.partition === undefined)
    throw new UsageError('--offset needs --partition (the partition to read from that offset)');
  if (o.offset !== undefined && o.fromBeginning)
    throw new UsageError('--offset and --from-beginning exclude each other');
  if (o.fromTimestamp !== undefined && (o.offset !== undefined || o.fromBeginning))
    throw new UsageError('--from-timestamp excludes --offset and --from-beginning');
  if (o.group !== undefined && (o.partition !== undefined || o.offset !== undefined))
    throw new UsageError('--group cannot be combined with --partition or --offset (the group owns the positions)');
  if (o.group !== undefined && o.fromTimestamp !== undefined)
    throw new UsageError('--group cannot be combined with --from-timestamp (use group reset-offsets)');
}

export async function consume(ctx: Context, topic: string, o: ConsumeOptions): Promise<void> {
  validate(o);
  const consumer = new Consumer({
    ...ctx.clientOptions(),
    autoOffsetReset: o.fromBeginning ? 'earliest' : 'latest',
    maxWaitMs: 200,
    ...(o.group !== undefined ? { groupId: o.group, autoCommit: false, heartbeatIntervalMs: 1_000 } : {}),
  });
  ctx.onClose(() => consumer.close());
  await consumer.connect();
  const info = await consumer.cluster.topic(topic);
  const partitions = info.partitions.map((p) => p.partition).sort((a, b) => a - b);

  let assignment: PartitionAssignment[] | undefined;
  if (o.partition !== undefined) {
    if (!partitions.includes(o.partition))
      throw new CliError(`topic '${topic}' has no partition ${o.partition} (it has ${partitions.length})`);
    const offset = o.offset === undefined ? (o.fromBeginning ? 'earliest' : 'latest') : parseOffset(o.offset);
    assignment = [{ topic, partition: o.partition, offset }];
  } else if (o.fromTimestamp !== undefined) {
    const admin = await ctx.admin();
    const found = await admin.listOffsets(topic, { timestamp: o.fromTimestamp });
    assignment = found.map((f) => ({ topic, partition: f.partition, offset: f.offset >= 0 ? f.offset : 'latest' }));
  } else if (o.group === undefined) assignment = partitions.map((partition) => ({ topic, partition }));
  if (assignment) consumer.assign(assignment);
  else consumer.subscribe([topic]);

  // Commits: every assigned partition's position, except where records were fetched but not
  // printed (--max-messages): there, the first of those.
  const notPrinted = new Map<number, number>();
  let committedAt = Date.now();
  const commit = async () => {
    if (o.group === undefined) return;
    const offsets = consumer
      .positions()
      .map((p) => ({ ...p, offset: Math.min(p.offset, notPrinted.get(p.partition) ?? Infinity) }));
    if (offsets.length > 0) await consumer.commit(offsets);
    committedAt = Date.now();
  };

  let stopping = false;
  const stop = () => {
    stopping = true;
    void consumer.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const onStdoutError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') stop();
  };
  ctx.stdout.on('error', onStdoutError);

  let count = 0;
  let lastRecordAt = Date.now();
  try {
    while (!stopping) {
      const wait = o.timeoutMs === undefined ? 1000 : Math.min(1000, o.timeoutMs - (Date.now() - lastRecordAt));
      if (wait <= 0) break;
      const records = await consumer.poll(wait);
      // The idle clock starts once the group has given this consumer partitions.
      if (records.length > 0 || consumer.assignment().length === 0) lastRecordAt = Date.now();
      let chunk = '';
      for (const r of records) {
        if (o.maxMessages !== undefined && count >= o.maxMessages) {
          if (!notPrinted.has(r.partition)) notPrinted.set(r.partition, r.offset);
          continue;
        }
        chunk += `${formatRecord(r, o)}\n`;
        count++;
      }
      if (chunk.length > 0 && !stopping && !ctx.stdout.write(chunk)) await once(ctx.stdout, 'drain');
      if (o.maxMessages !== undefined && count >= o.maxMessages) break;
      if (Date.now() - committedAt > 5_000) await commit();
    }
    await commit();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    ctx.stdout.off('error', onStdoutError);
    ctx.warn(`Processed a total of ${count} messages`);
  }
}
