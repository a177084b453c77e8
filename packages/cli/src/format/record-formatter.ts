/**
 * Turns a consumed record into the bytes printed for it. Keys, values and header values are
 * written byte for byte (never decoded as UTF-8), as kcat does; only JSON output encodes them,
 * and says how.
 */
import type { ConsumerRecord } from '@gregor/client';

export type RecordFormatter = (r: ConsumerRecord) => Buffer;

/** Kafka's DefaultMessageFormatter settings (kafka-console-consumer's --property names). */
export interface KafkaFormatOptions {
  printTimestamp: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  printKey: boolean;
  printValue: boolean;
  keySeparator: Buffer;
  lineSeparator: Buffer;
  headersSeparator: Buffer;
  headersKeySeparator: Buffer;
  nullLiteral: Buffer;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Fields in Kafka's order: timestamp, partition, offset, headers, key, value. */
export function kafkaFormatter(o: KafkaFormatOptions): RecordFormatter {
  const noHeaders = ascii('NO_HEADERS');
  return (r) => {
    const parts: Buffer[] = [];
    const field = (b: Buffer) => {
      if (parts.length > 0) parts.push(o.keySeparator);
      parts.push(b);
    };
    if (o.printTimestamp)
      field(ascii(r.timestampType === 'NoTimestamp' ? 'NO_TIMESTAMP' : `${r.timestampType}:${r.timestamp}`));
    if (o.printPartition) field(ascii(`Partition:${r.partition}`));
    if (o.printOffset) field(ascii(`Offset:${r.offset}`));
    if (o.printHeaders) {
      const hs: Buffer[] = [];
      r.headers.forEach((h, i) => {
        if (i > 0) hs.push(o.headersSeparator);
        hs.push(ascii(h.key), o.headersKeySeparator, h.value ?? o.nullLiteral);
      });
      field(hs.length === 0 ? noHeaders : Buffer.concat(hs));
    }
    if (o.printKey) field(r.key ?? o.nullLiteral);
    if (o.printValue) field(r.value ?? o.nullLiteral);
    parts.push(o.lineSeparator);
    return Buffer.concat(parts);
  };
}
