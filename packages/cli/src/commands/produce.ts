/**
 * `gregor produce [TOPIC]`: one record per input line (stdin or --file), as
 * kafka-console-producer and kcat -P. Input is bytes throughout: records are split on
 * --delimiter (newline by default) or read --length-prefixed, keys and headers are cut out with
 * --key-separator or Kafka's --property parse.key/parse.headers, and nothing is decoded, so
 * binary keys and values arrive byte for byte. --json reads {"key","value","headers",
 * "partition","timestamp","encoding"} objects (see format/json-record.ts).
 */
import { createReadStream } from 'node:fs';
import { Producer, type ProducerOptions, type ProducerRecord } from '@gregor/client';
import type { Compression } from '../args.js';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { unescapeBytes } from '../format/escapes.js';
import { decodeField, ENCODINGS, type Encoding } from '../format/json-record.js';
import { lineReader } from '../format/line-reader.js';
import { frames, type Framing } from '../io/record-input.js';
import { topicArgument } from './topic-argument.js';

export interface ProduceOptions {
  topic?: string;
  file?: string;
  keySeparator?: string;
  property?: [string, string][];
  header?: [string, string][];
  json?: boolean;
  valueFormat?: Encoding;
  delimiter?: string;
  lengthPrefixed?: boolean;
  partition?: number;
  acks?: -1 | 0 | 1;
  compression?: Compression;
  lingerMs?: number;
  batchSize?: number;
}

type RecordFields = Omit<ProducerRecord, 'topic'>;

function jsonRecord(line: Buffer, lineNo: number, defaultEncoding: Encoding): RecordFields {
  const bad = (what: string): never => {
    throw new CliError(`line ${lineNo}: ${what}`);
  };
  let v: unknown;
  try {
    v = JSON.parse(line.toString('utf8'));
  } catch (e) {
    return bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    bad('expected an object {"key","value","headers","partition"}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!['key', 'value', 'headers', 'partition', 'timestamp', 'encoding', ...CONSUMER_FIELDS].includes(k))
      bad(`unknown field "${k}"`);
  const encoding = (o.encoding ?? defaultEncoding) as Encoding;
  if (!ENCODINGS.includes(encoding)) bad(`"encoding" must be one of ${ENCODINGS.join(', ')}`);
  const field = (name: string, x: unknown) => {
    try {
      return decodeField(x, encoding, name);
    } catch (e) {
      return bad((e as Error).message);
    }
  };
  const record: RecordFields = { key: field('key', o.key), value: field('value', o.value) };
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
    const list: { key: string; value: Buffer | null }[] = [];
    if (Array.isArray(o.headers)) {
      for (const h of o.headers as unknown[]) {
        const hv = h as { key?: unknown; value?: unknown };
        if (typeof hv?.key !== 'string') bad('"headers" entries must be {"key": string, "value": string|null}');
        list.push({ key: hv.key as string, value: field('header value', hv.value) });
      }
    } else if (typeof o.headers === 'object') {
      for (const [k, hv] of Object.entries(o.headers as Record<string, unknown>))
        list.push({ key: k, value: field('header value', hv) });
    } else bad('"headers" must be an object or a list');
    record.headers = list;
  }
  return record;
}

/** Fields `consume --format json` prints that say where a record was; accepted and ignored, so output can be fed back. */
const CONSUMER_FIELDS = ['topic', 'offset', 'timestampType'];

function framingOf(o: ProduceOptions): Framing {
  if (o.lengthPrefixed) {
    if (o.delimiter !== undefined) throw new UsageError('--length-prefixed and --delimiter exclude each other');
    if (o.json) throw new UsageError('--json reads lines; it cannot be combined with --length-prefixed');
    return { kind: 'length-prefixed' };
  }
  const delimiter = unescapeBytes(o.delimiter ?? '\n', '--delimiter');
  if (delimiter.length === 0) throw new UsageError('--delimiter must not be empty');
  return { kind: 'delimited', delimiter };
}

export async function produce(ctx: Context, topicArg: string | undefined, o: ProduceOptions): Promise<void> {
  const topic = topicArgument(topicArg, o.topic);
  const framing = framingOf(o);
  if (o.json && (o.keySeparator !== undefined || (o.property ?? []).length > 0))
    throw new UsageError('--json cannot be combined with --key-separator or --property');
  if (o.valueFormat !== undefined && !o.json) throw new UsageError('--value-format applies to --json input only');
  const parse = lineReader(o, framing.kind === 'delimited' ? 'line' : 'record');
  const fixedHeaders = (o.header ?? []).map(([key, value]) => ({ key, value: Buffer.from(value, 'utf8') }));
  const flags: Partial<ProducerOptions> = {};
  if (o.acks !== undefined) flags.acks = o.acks;
  if (o.compression !== undefined) flags.compression = o.compression;
  if (o.lingerMs !== undefined) flags.lingerMs = o.lingerMs;
  if (o.batchSize !== undefined) flags.batchSize = o.batchSize;
  const producer = new Producer(
    ctx.producerOptions({ acks: -1, compression: 'none', deliveryTimeoutMs: 30_000 }, flags),
  );
  ctx.onClose(() => producer.close());
  await producer.connect();

  const input = o.file ? createReadStream(o.file) : process.stdin;
  if (o.file)
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', (e: Error) => reject(new CliError(`cannot read ${o.file}: ${e.message}`)));
    });
  let failure: unknown;
  try {
    for await (const frame of frames(input as AsyncIterable<Buffer>, framing)) {
      if (failure !== undefined) break;
      let fields: RecordFields;
      if (o.json) {
        if (frame.value === null || frame.value.toString('utf8').trim() === '') continue;
        fields = jsonRecord(frame.value, frame.index, o.valueFormat ?? 'utf8');
      } else fields = parse(frame);
      if (fixedHeaders.length > 0) {
        const own = Array.isArray(fields.headers) ? (fields.headers as { key: string; value: Buffer | null }[]) : [];
        fields.headers = [...fixedHeaders, ...own];
      }
      if (o.partition !== undefined && fields.partition === undefined) fields.partition = o.partition;
      const { delivery } = await producer.enqueue({ topic, ...fields });
      delivery.catch((e: unknown) => (failure ??= e));
    }
  } finally {
    if (o.file) input.destroy();
  }
  await producer.flush().catch((e: unknown) => (failure ??= e));
  if (failure !== undefined) throw failure;
}
