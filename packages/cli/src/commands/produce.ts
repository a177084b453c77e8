/**
 * `gregor produce TOPIC`: one record per input line (stdin or --file), as kafka-console-producer.
 * Keys with --key-separator (Kafka's parse.key=true + key.separator); headers from --header on
 * every record; --json reads {"key","value","headers","partition","timestamp"} objects.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Producer, type ProducerRecord } from '@gregor/client';
import type { Compression } from '../args.js';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';

export interface ProduceOptions {
  file?: string;
  keySeparator?: string;
  property?: [string, string][];
  header?: [string, string][];
  json?: boolean;
  partition?: number;
  acks: -1 | 0 | 1;
  compression: Compression;
  lingerMs?: number;
  batchSize?: number;
}

type RecordFields = Omit<ProducerRecord, 'topic'>;

/** Kafka's console-producer properties that map onto our flags. */
function keySeparatorOf(o: ProduceOptions): string | undefined {
  const props = new Map(o.property ?? []);
  for (const k of props.keys())
    if (k !== 'parse.key' && k !== 'key.separator')
      throw new UsageError(`unsupported --property '${k}' (supported: parse.key, key.separator)`);
  if (o.keySeparator !== undefined) {
    if (o.keySeparator === '') throw new UsageError('--key-separator must not be empty');
    return o.keySeparator;
  }
  if (props.get('parse.key') === 'true') return props.get('key.separator') ?? '\t';
  return undefined;
}

function jsonRecord(line: string, lineNo: number): RecordFields {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new CliError(`line ${lineNo}: not JSON (${(e as Error).message})`);
  }
  const bad = (what: string): never => {
    throw new CliError(`line ${lineNo}: ${what}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    bad('expected an object {"key","value","headers","partition"}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['key', 'value', 'headers', 'partition', 'timestamp'].includes(k)) bad(`unknown field "${k}"`);
  const text = (name: string, x: unknown): string | null => {
    if (x === undefined || x === null) return null;
    if (typeof x === 'string') return x;
    if (name === 'value' || name === 'key') return JSON.stringify(x); // an object value is written as its JSON
    return bad(`"${name}" must be a string or null`);
  };
  const record: RecordFields = { key: text('key', o.key), value: text('value', o.value) };
  if (o.partition !== undefined) {
    if (!Number.isInteger(o.partition) || (o.partition as number) < 0)
      bad('"partition" must be a non-negative integer');
    record.partition = o.partition as number;
  }
  if (o.timestamp !== undefined) {
    if (!Number.isInteger(o.timestamp)) bad('"timestamp" must be an integer (ms)');
    record.timestamp = o.timestamp as number;
  }
  if (o.headers !== undefined && o.headers !== null) {
    const list: { key: string; value: string | null }[] = [];
    if (Array.isArray(o.headers)) {
      for (const h of o.headers as unknown[]) {
        const hv = h as { key?: unknown; value?: unknown };
        if (typeof hv?.key !== 'string') bad('"headers" entries must be {"key": string, "value": string|null}');
        list.push({ key: hv.key as string, value: text('header value', hv.value) });
      }
    } else if (typeof o.headers === 'object') {
      for (const [k, hv] of Object.entries(o.headers as Record<string, unknown>))
        list.push({ key: k, value: text('header value', hv) });
    } else bad('"headers" must be an object or a list');
    record.headers = list;
  }
  return record;
}

export async function produce(ctx: Context, topic: string, o: ProduceOptions): Promise<void> {
  const separator = keySeparatorOf(o);
  if (o.json && separator !== undefined) throw new UsageError('--json and --key-separator cannot be used together');
  const fixedHeaders = (o.header ?? []).map(([key, value]) => ({ key, value }));
  const producer = new Producer({
    ...ctx.clientOptions(),
    acks: o.acks,
    compression: o.compression,
    ...(o.lingerMs !== undefined ? { lingerMs: o.lingerMs } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    deliveryTimeoutMs: 30_000,
  });
  ctx.onClose(() => producer.close());
  await producer.connect();

  const input = o.file ? createReadStream(o.file) : process.stdin;
  const opened = new Promise<void>((resolve, reject) => {
    if (!o.file) return resolve();
    input.once('open', () => resolve());
    input.once('error', (e: Error) => reject(new CliError(`cannot read ${o.file}: ${e.message}`)));
  });
  await opened;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let failure: unknown;
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (failure !== undefined) break;
      let fields: RecordFields;
      if (o.json) {
        if (line.trim() === '') continue;
        fields = jsonRecord(line, lineNo);
      } else if (separator !== undefined) {
        const at = line.indexOf(separator);
        if (at < 0) throw new CliError(`line ${lineNo}: no key separator '${separator}' found`);
        fields = { key: line.slice(0, at), value: line.slice(at + separator.length) };
      } else fields = { key: null, value: line };
      if (fixedHeaders.length > 0) {
        const own = Array.isArray(fields.headers) ? (fields.headers as { key: string; value: string | null }[]) : [];
        fields.headers = [...fixedHeaders, ...own];
      }
      if (o.partition !== undefined && fields.partition === undefined) fields.partition = o.partition;
      const { delivery } = await producer.enqueue({ topic, ...fields });
      delivery.catch((e: unknown) => (failure ??= e));
    }
  } finally {
    lines.close();
    if (o.file) input.destroy();
  }
  await producer.flush().catch((e: unknown) => (failure ??= e));
  if (failure !== undefined) throw failure;
}
