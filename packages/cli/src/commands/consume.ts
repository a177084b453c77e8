/**
 * `gregor consume [TOPIC]`, as kafka-console-consumer and kcat -C: from the end by default,
 * --from-beginning, --offset (N with --partition, or beginning/end/-N/end-N on every partition),
 * --from-timestamp (epoch ms or ISO date), or --group G (committed offsets, committed back as
 * records are printed). Stops after --max-messages, at the end of every partition with
 * --exit-at-end, after --timeout-ms without a record, on SIGINT/SIGTERM, or when stdout's reader
 * goes away (`| head`); then prints "Processed a total of N messages" to stderr, N counting the
 * records written whole to stdout.
 *
 * With --group the consumer joins the group (the client's subscribe(), classic protocol) and
 * commits the positions of its partitions every 5 s and on exit, as Kafka's console consumer;
 * records fetched but not printed (past --max-messages) are not counted as consumed.
 * --from-beginning then applies only where the group has no offset.
 */
import { Consumer, type PartitionAssignment } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { consumerFormatter, type OutputOptions } from '../format/consumer-output.js';
import { RecordSink } from '../io/record-sink.js';
import { parseStartOffset, parseTimestamp, startAssignments } from './consume-start.js';
import { topicArgument } from './topic-argument.js';

export interface ConsumeOptions extends OutputOptions {
  topic?: string;
  fromBeginning?: boolean;
  offset?: string;
  partition?: number;
  fromTimestamp?: string;
  group?: string;
  maxMessages?: number;
  timeoutMs?: number;
  exitAtEnd?: boolean;
}

function validate(o: ConsumeOptions, group: string | undefined): void {
  const start = o.offset === undefined ? undefined : parseStartOffset(o.offset);
  if (start?.kind === 'absolute' && o.partition === undefined)
    throw new UsageError('--offset N needs --partition (the partition to read from that offset)');
  if (o.offset !== undefined && o.fromBeginning)
    throw new UsageError('--offset and --from-beginning exclude each other');
  if (o.fromTimestamp !== undefined && (o.offset !== undefined || o.fromBeginning))
    throw new UsageError('--from-timestamp excludes --offset and --from-beginning');
  if (group !== undefined && (o.partition !== undefined || o.offset !== undefined))
    throw new UsageError('--group cannot be combined with --partition or --offset (the group owns the positions)');
  if (group !== undefined && o.fromTimestamp !== undefined)
    throw new UsageError('--group cannot be combined with --from-timestamp (use group reset-offsets)');
}

export async function consume(ctx: Context, topicArg: string | undefined, o: ConsumeOptions): Promise<void> {
  const topic = topicArgument(topicArg, o.topic);
  const format = consumerFormatter(o, (text) => ctx.warn(text));
  const fromProperties = ctx.consumerOptions();
  const group = o.group ?? fromProperties.groupId;
  validate(o, group);
  const fromTimestamp = o.fromTimestamp === undefined ? undefined : parseTimestamp(o.fromTimestamp);
  const consumer = new Consumer(
    ctx.consumerOptions(
      { autoOffsetReset: 'latest', maxWaitMs: 200 },
      {
        ...(o.fromBeginning ? { autoOffsetReset: 'earliest' as const } : {}),
        ...(group !== undefined ? { groupId: group, autoCommit: false, heartbeatIntervalMs: 1_000 } : {}),
      },
    ),
  );
  ctx.onClose(() => consumer.close());
  await consumer.connect();
  const info = await consumer.cluster.topic(topic);
  const partitions = info.partitions.map((p) => p.partition).sort((a, b) => a - b);

  let assignment: PartitionAssignment[] | undefined;
  if (o.partition !== undefined && !partitions.includes(o.partition))
    throw new CliError(`topic '${topic}' has no partition ${o.partition} (it has ${partitions.length})`);
  const chosen = o.partition !== undefined ? [o.partition] : partitions;
  const admin = () => ctx.admin();
  if (o.offset !== undefined) assignment = await startAssignments(admin, topic, chosen, parseStartOffset(o.offset));
  else if (fromTimestamp !== undefined) {
    const found = await (await admin()).listOffsets(topic, { timestamp: fromTimestamp }, { partitions: chosen });
    assignment = found.map((f) => ({ topic, partition: f.partition, offset: f.offset >= 0 ? f.offset : 'latest' }));
  } else if (o.partition !== undefined)
    assignment = [{ topic, partition: o.partition, offset: o.fromBeginning ? 'earliest' : 'latest' }];
  else if (group === undefined) assignment = partitions.map((partition) => ({ topic, partition }));
  if (assignment) consumer.assign(assignment);
  else consumer.subscribe([topic]);

  // Commits: every assigned partition's position, except where records were fetched but not
  // printed (--max-messages): there, the first of those.
  const notPrinted = new Map<number, number>();
  let committedAt = Date.now();
  const commit = async () => {
    if (group === undefined) return;
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

  const sink = new RecordSink(ctx.stdout);
  let formatted = 0;
  let lastRecordAt = Date.now();
  try {
    while (!stopping && sink.open) {
      const wait = o.timeoutMs === undefined ? 1000 : Math.min(1000, o.timeoutMs - (Date.now() - lastRecordAt));
      if (wait <= 0) break;
      const records = await consumer.poll(wait);
      // The idle clock starts once the group has given this consumer partitions.
      if (records.length > 0 || consumer.assignment().length === 0) lastRecordAt = Date.now();
      for (const r of records) {
        if ((o.maxMessages !== undefined && formatted >= o.maxMessages) || !sink.open) {
          if (!notPrinted.has(r.partition)) notPrinted.set(r.partition, r.offset);
          continue;
        }
        await sink.add(format(r));
        formatted++;
      }
      if (!(await sink.flush())) break;
      if (o.maxMessages !== undefined && formatted >= o.maxMessages) break;
      if (o.exitAtEnd && atEnd(consumer)) break;
      if (Date.now() - committedAt > 5_000) await commit();
    }
    await commit();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    ctx.warn(`Processed a total of ${sink.written} messages`);
  }
}

/** kcat's -e: every assigned partition has been read up to the high watermark its last fetch reported. */
function atEnd(consumer: Consumer): boolean {
  const assigned = consumer.assignment();
  return (
    assigned.length > 0 &&
    assigned.every((tp) => {
      const position = consumer.position(tp);
      const end = consumer.highWatermark(tp);
      return position !== null && end >= 0 && position >= end;
    })
  );
}
