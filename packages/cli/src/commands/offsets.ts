/**
 * `gregor offsets get`, as kafka-get-offsets.sh: one `topic:partition:offset` line per partition
 * at a point in time (--time -1/latest, the default; -2/earliest; -3/max-timestamp; epoch ms or
 * a date-time: the first offset at or after it, empty when there is none). --topic is a regular
 * expression matched against whole names, as Kafka's; without it every topic is listed.
 */
import type { OffsetQuerySpec } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';

export interface GetOffsetsOptions {
  topic?: string;
  partitions?: string;
  time: OffsetQuerySpec;
  excludeInternalTopics?: boolean;
}

function parsePartitions(list: string): number[] {
  const parts = list.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p)))
    throw new UsageError(`--partitions expects a comma-separated list of partition ids, got '${list}'`);
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

function topicPattern(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (e) {
    throw new UsageError(`--topic is not a valid regular expression: ${(e as Error).message}`);
  }
}

export async function offsetsGet(ctx: Context, o: GetOffsetsOptions): Promise<void> {
  const only = o.partitions === undefined ? undefined : parsePartitions(o.partitions);
  const pattern = o.topic === undefined ? undefined : topicPattern(o.topic);
  const admin = await ctx.admin();
  const names = (await admin.listTopics({ includeInternal: !o.excludeInternalTopics })).filter(
    (t) => !pattern || pattern.test(t),
  );
  if (o.topic !== undefined && names.length === 0) throw new CliError(`no topic matches '${o.topic}'`);
  for (const topic of names) {
    const [described] = await admin.describeTopics([topic]);
    const partitions = (described?.partitions ?? []).map((p) => p.partition).filter((p) => !only || only.includes(p));
    if (partitions.length === 0) continue;
    for (const a of await admin.listOffsets(topic, o.time, { partitions }))
      ctx.print(`${topic}:${a.partition}:${a.offset >= 0 ? a.offset : ''}`);
  }
}
