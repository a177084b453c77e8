/**
 * How `gregor consume` prints records: `--format text` (Kafka's console-consumer layout, set by
 * the --print-* flags or Kafka's `--property print.key=true` and friends), `--format json`, or a
 * kcat format string (`--format '%k:%s\n'`).
 */
import { UsageError } from '../errors.js';
import { unescapeBytes } from './escapes.js';
import { jsonFormatter, type Encoding } from './json-record.js';
import { kcatFormatter } from './kcat-format.js';
import { kafkaFormatter, type RecordFormatter } from './record-formatter.js';

export interface OutputOptions {
  format: string;
  valueFormat?: Encoding;
  printKey?: boolean;
  printValue?: boolean;
  printOffset?: boolean;
  printPartition?: boolean;
  printTimestamp?: boolean;
  printHeaders?: boolean;
  keySeparator?: string;
  property?: [string, string][];
}

/** kafka-console-consumer's DefaultMessageFormatter properties and their defaults. */
const FORMATTER_PROPERTIES: Record<string, string> = {
  'print.timestamp': 'false',
  'print.partition': 'false',
  'print.offset': 'false',
  'print.headers': 'false',
  'print.key': 'false',
  'print.value': 'true',
  'key.separator': '\t',
  'line.separator': '\n',
  'headers.separator': ',',
  'headers.key.separator': ':',
  'null.literal': 'null',
};
/** Accepted for compatibility; the CLI always prints the raw bytes. */
const IGNORED_PROPERTIES = new Set(['key.deserializer', 'value.deserializer', 'headers.deserializer']);

function bool(name: string, value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new UsageError(`--property ${name} expects true or false, got '${value}'`);
}

export function consumerFormatter(o: OutputOptions, warn: (text: string) => void): RecordFormatter {
  const props = new Map(Object.entries(FORMATTER_PROPERTIES));
  for (const [k, v] of o.property ?? []) {
    if (IGNORED_PROPERTIES.has(k)) {
      warn(`gregor: warning: --property ${k} is ignored: records are printed as their raw bytes`);
      continue;
    }
    if (!(k in FORMATTER_PROPERTIES))
      throw new UsageError(`unknown --property '${k}' (supported: ${Object.keys(FORMATTER_PROPERTIES).join(', ')})`);
    props.set(k, v);
  }
  if (o.format === 'json') return jsonFormatter(o.valueFormat ?? 'utf8');
  if (o.valueFormat !== undefined) throw new UsageError('--value-format applies to --format json only');
  if (o.format !== 'text') {
    if (!o.format.includes('%'))
      throw new UsageError(`--format expects text, json or a format string with %-tokens, got '${o.format}'`);
    return kcatFormatter(o.format);
  }
  const flag = (name: string, given: boolean | undefined) => given ?? bool(name, props.get(name)!);
  const bytes = (name: string) => Buffer.from(props.get(name)!, 'utf8');
  return kafkaFormatter({
    printTimestamp: flag('print.timestamp', o.printTimestamp),
    printPartition: flag('print.partition', o.printPartition),
    printOffset: flag('print.offset', o.printOffset),
    printHeaders: flag('print.headers', o.printHeaders),
    printKey: flag('print.key', o.printKey),
    printValue: flag('print.value', o.printValue),
    keySeparator:
      o.keySeparator !== undefined ? unescapeBytes(o.keySeparator, '--key-separator') : bytes('key.separator'),
    lineSeparator: bytes('line.separator'),
    headersSeparator: bytes('headers.separator'),
    headersKeySeparator: bytes('headers.key.separator'),
    nullLiteral: bytes('null.literal'),
  });
}
