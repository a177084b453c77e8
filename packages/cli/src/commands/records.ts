/**
 * `gregor records delete`, as kafka-delete-records.sh: moves partitions' log start offsets up,
 * deleting the records before them (DeleteRecords). The partitions come from
 * `--offset-json-file` in Kafka's format, {"partitions":[{"topic":"t","partition":0,"offset":5}],
 * "version":1} (offset -1: up to the high watermark), or from --topic/--partition/--offset.
 */
import { readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';

export interface DeleteRecordsOptions {
  offsetJsonFile?: string;
  topic?: string;
  partition?: number;
  offset?: number;
}

interface Deletion {
  topic: string;
  partition: number;
  offset: number;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks Kafka's offset JSON; every problem names the entry. */
export function parseOffsetJson(text: string, file: string): Deletion[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const partitions = (doc as { partitions?: unknown } | null)?.partitions;
  if (!Array.isArray(partitions))
    throw new UsageError(`${file}: expected {"partitions":[{"topic":…,"partition":…,"offset":…}],"version":1}`);
  const version = (doc as { version?: unknown }).version;
  if (version !== undefined && version !== 1) throw new UsageError(`${file}: unsupported version ${String(version)}`);
  const seen = new Set<string>();
  const out = partitions.map((p: unknown, i): Deletion => {
    const { topic, partition, offset } = (p ?? {}) as Record<string, unknown>;
    const where = `${file}: partitions[${i}]`;
    if (typeof topic !== 'string' || topic === '') throw new UsageError(`${where}: "topic" must be a non-empty string`);
    if (!isInt(partition) || partition < 0)
      throw new UsageError(`${where}: "partition" must be a non-negative integer`);
    if (!isInt(offset) || offset < -1) throw new UsageError(`${where}: "offset" must be an integer ≥ -1`);
    const key = `${topic}-${partition}`;
    if (seen.has(key)) throw new UsageError(`${file}: ${key} appears more than once`);
    seen.add(key);
    return { topic, partition, offset };
  });
  if (out.length === 0) throw new UsageError(`${file} lists no partitions`);
  return out;
}

function deletionsOf(o: DeleteRecordsOptions): Deletion[] {
  const simple = [o.topic, o.partition, o.offset].filter((v) => v !== undefined).length;
  if (o.offsetJsonFile !== undefined) {
    if (simple > 0) throw new UsageError('--offset-json-file and --topic/--partition/--offset exclude each other');
    let text: string;
    try {
      text = readFileSync(o.offsetJsonFile, 'utf8');
    } catch (e) {
      throw new CliError(
        `cannot read ${o.offsetJsonFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    return parseOffsetJson(text, o.offsetJsonFile);
  }
  if (o.topic === undefined || o.partition === undefined || o.offset === undefined)
    throw new UsageError('records delete needs --offset-json-file FILE, or --topic T --partition P --offset O');
  return [{ topic: o.topic, partition: o.partition, offset: o.offset }];
}

export async function recordsDelete(ctx: Context, o: DeleteRecordsOptions): Promise<void> {
  const deletions = deletionsOf(o);
  const admin = await ctx.admin();
  const lines: string[] = [];
  const plans: [string, Deletion[]][] = [];
  for (const topic of [...new Set(deletions.map((d) => d.topic))]) {
    const mine = deletions.filter((d) => d.topic === topic);
    const [described] = await admin.describeTopics([topic]);
    const count = described?.partitions.length ?? 0;
    const missing = mine.find((d) => d.partition >= count);
    if (missing) throw new CliError(`topic '${topic}' has no partition ${missing.partition} (it has ${count})`);
    plans.push([topic, mine]);
  }
  // Checked for every partition first, so one bad offset deletes nothing anywhere.
  for (const [topic, mine] of plans) {
    const ends = await admin.listOffsets(topic, 'latest', { partitions: mine.map((d) => d.partition) });
    for (const d of mine) {
      const end = ends.find((e) => e.partition === d.partition)?.offset ?? 0;
      if (d.offset > end)
        throw new CliError(
          `${topic}-${d.partition}: offset ${d.offset} is past the high watermark ${end}; nothing was deleted`,
        );
    }
  }
  ctx.print('Executing records delete operation');
  for (const [topic, mine] of plans)
    for (const r of await admin.deleteRecords(topic, mine))
      lines.push(`partition: ${topic}-${r.partition}\tlow_watermark: ${r.lowWatermark}`);
  ctx.print('Records delete operation completed:');
  for (const line of lines) ctx.print(line);
}
