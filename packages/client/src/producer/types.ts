/** The producer's public record types. */

export type HeaderValue = Buffer | string;

export interface ProducerRecord {
  topic: string;
  /** Keyed records go to `murmur2(key) % partitions` unless `partition` or a partitioner says otherwise. */
  key?: Buffer | string | null;
  value: Buffer | string | null;
  /** Headers as an object (one value per name) or a list (repeated names allowed, in order). */
  headers?: Record<string, HeaderValue> | readonly { key: string; value: HeaderValue | null }[];
  /** An explicit partition; skips the partitioner. */
  partition?: number;
  /** CreateTime in ms; default now. */
  timestamp?: number;
}

/** Where an acknowledged record was written. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1 with acks=0 (nothing is returned) or for a duplicate older brokers did not locate. */
  offset: number;
  /** LogAppendTime when the topic uses it, else the record's CreateTime. */
  timestamp: number;
}

export const Acks = { None: 0, Leader: 1, All: -1 } as const;
export type Acks = (typeof Acks)[keyof typeof Acks];

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
