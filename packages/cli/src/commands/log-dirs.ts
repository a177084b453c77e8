/**
 * `gregor log-dirs describe`, as kafka-log-dirs.sh --describe: every broker's log directories
 * (DescribeLogDirs) with the size of each partition, for all topics or --topic-list, from all
 * brokers or --broker-list. A table by default; --json prints Kafka's JSON document
 * ({"brokers":[{"broker":0,"logDirs":[{"logDir":…,"error":null,"partitions":[…]}]}],"version":1}).
 */
import { KafkaError, type LogDirDescription } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { table } from '../output.js';

export interface LogDirsOptions {
  brokerList?: string;
  topicList?: string;
  json?: boolean;
}

const splitList = (list: string) =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function brokerIds(list: string): number[] {
  const ids = splitList(list);
  if (ids.length === 0 || !ids.every((id) => /^\d+$/.test(id)))
    throw new UsageError(`--broker-list expects broker ids like 0,1,2, got '${list}'`);
  return ids.map(Number);
}

const errorText = (code: number) => (code === 0 ? null : new KafkaError(code).name);

function kafkaJson(dirs: readonly LogDirDescription[], brokers: readonly number[]): string {
  return JSON.stringify({
    brokers: brokers.map((broker) => ({
      broker,
      logDirs: dirs
        .filter((d) => d.broker === broker)
        .map((d) => ({
          partitions: d.partitions.map((p) => ({
            partition: `${p.topic}-${p.partition}`,
            size: p.size,
            offsetLag: p.offsetLag,
            isFuture: p.isFuture,
          })),
          error: errorText(d.errorCode),
          logDir: d.logDir,
          totalBytes: d.totalBytes,
          usableBytes: d.usableBytes,
        })),
    })),
    version: 1,
  });
}

export async function logDirsDescribe(ctx: Context, o: LogDirsOptions): Promise<void> {
  const wantedBrokers = o.brokerList === undefined ? undefined : brokerIds(o.brokerList);
  const admin = await ctx.admin();
  let topics: { topic: string; partitions: number[] }[] | undefined;
  if (o.topicList !== undefined) {
    const names = splitList(o.topicList);
    if (names.length === 0) throw new UsageError(`--topic-list expects topic names like a,b, got '${o.topicList}'`);
    topics = (await admin.describeTopics(names)).map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => p.partition),
    }));
  }
  const all = await admin.describeLogDirs(topics);
  const known = [...new Set(all.map((d) => d.broker))].sort((a, b) => a - b);
  const unknown = wantedBrokers?.filter((b) => !known.includes(b)) ?? [];
  if (unknown.length > 0)
    throw new CliError(`no broker ${unknown.join(', ')} in the cluster (brokers: ${known.join(', ')})`);
  const brokers = wantedBrokers ?? known;
  const dirs = all.filter((d) => brokers.includes(d.broker));
  if (o.json) {
    ctx.print(kafkaJson(dirs, brokers));
    return;
  }
  ctx.print(
    table(
      ['BROKER', 'LOG-DIR', 'ERROR', 'TOTAL-BYTES', 'USABLE-BYTES', 'PARTITIONS'],
      dirs.map((d) => [
        d.broker,
        d.logDir,
        errorText(d.errorCode) ?? '-',
        d.totalBytes,
        d.usableBytes,
        d.partitions.length,
      ]),
      { color: ctx.out.enabled, alignRight: [3, 4, 5] },
    ),
  );
  const rows = dirs.flatMap((d) =>
    d.partitions.map((p) => [d.broker, p.topic, p.partition, p.size, p.offsetLag, p.isFuture ? 'yes' : 'no']),
  );
  if (rows.length === 0) return;
  ctx.print();
  ctx.print(
    table(['BROKER', 'TOPIC', 'PARTITION', 'SIZE', 'OFFSET-LAG', 'FUTURE'], rows, {
      color: ctx.out.enabled,
      alignRight: [2, 3, 4],
    }),
  );
}
