import { InvalidConfigError } from './errors.js';

/**
 * The per-partition storage configuration: Kafka's topic-level log configs under camelCase
 * names (`LOG_CONFIG_KEYS` maps them back). Storing and merging topic overrides is the
 * broker's metadata layer's job; the storage layer only receives the effective config.
 */
export interface LogConfig {
  /** segment.bytes: roll the active segment once it would exceed this size. */
  segmentBytes: number;
  /** segment.ms: roll the active segment once it is this old (and not empty). */
  segmentMs: number;
  /** segment.index.bytes: maximum offset-index size per segment; a full index rolls the segment. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes of log between two sparse offset/time index entries. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest timestamp is older than this; -1 = forever. */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger than this; -1 = no limit. */
  retentionBytes: number;
  /** cleanup.policy: `delete` (retention), `compact` (keep the latest record per key), or both. */
  cleanupPolicy: { delete: boolean; compact: boolean };
  /** delete.retention.ms: how long a compacted tombstone stays readable before the cleaner drops it. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: dirty records older than this get the log cleaned whatever its dirty ratio. */
  maxCompactionLagMs: number;
  /** min.cleanable.dirty.ratio: clean a log once this share of its cleanable bytes is dirty. */
  minCleanableDirtyRatio: number;
  /** max.message.bytes: largest accepted batch (after compression, including its header). */
  maxMessageBytes: number;
  /** message.timestamp.type: whether the broker stamps batches with its clock on append. */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** flush.messages: fsync after this many records; 1 = every append. Huge = leave it to the OS. */
  flushMessages: number;
  /** flush.ms: fsync when the oldest unflushed append is this old. Huge = leave it to the OS. */
  flushMs: number;
  /** file.delete.delay.ms: accepted for compatibility; files are deleted immediately. */
  fileDeleteDelayMs: number;
}

/** Kafka's Long.MAX_VALUE default, clamped to what a JS number holds exactly ("never"). */
export const NEVER = Number.MAX_SAFE_INTEGER;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze({ delete: true, compact: false }),
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxCompactionLagMs: NEVER,
  minCleanableDirtyRatio: 0.5,
  maxMessageBytes: 1024 * 1024 + 12,
  messageTimestampType: 'CreateTime',
  flushMessages: NEVER,
  flushMs: NEVER,
  fileDeleteDelayMs: 60_000,
});

type NumericKey = Exclude<keyof LogConfig, 'cleanupPolicy' | 'messageTimestampType' | 'minCleanableDirtyRatio'>;

/** Kafka config name → field, with the smallest value Kafka accepts for the numeric ones. */
const NUMERIC: Record<string, { field: NumericKey; min: number; int32?: boolean }> = {
  'segment.bytes': { field: 'segmentBytes', min: 14, int32: true },
  'segment.ms': { field: 'segmentMs', min: 1 },
  'segment.index.bytes': { field: 'segmentIndexBytes', min: 4, int32: true },
  'index.interval.bytes': { field: 'indexIntervalBytes', min: 0, int32: true },
  'retention.ms': { field: 'retentionMs', min: -1 },
  'retention.bytes': { field: 'retentionBytes', min: -Infinity },
  'delete.retention.ms': { field: 'deleteRetentionMs', min: 0 },
  'min.compaction.lag.ms': { field: 'minCompactionLagMs', min: 0 },
  'max.compaction.lag.ms': { field: 'maxCompactionLagMs', min: 1 },
  'max.message.bytes': { field: 'maxMessageBytes', min: 0, int32: true },
  'flush.messages': { field: 'flushMessages', min: 1 },
  'flush.ms': { field: 'flushMs', min: 0 },
  'file.delete.delay.ms': { field: 'fileDeleteDelayMs', min: 0 },
};

/** Every Kafka config name this layer understands. */
export const LOG_CONFIG_KEYS: readonly string[] = [
  ...Object.keys(NUMERIC),
  'cleanup.policy',
  'message.timestamp.type',
  'min.cleanable.dirty.ratio',
];

const INT32_MAX = 0x7fff_ffff;

function parseInteger(key: string, raw: string, min: number, int32: boolean): number {
  const text = raw.trim();
  if (!/^[-+]?\d+$/.test(text)) throw new InvalidConfigError(key, `${key}: '${raw}' is not an integer`);
  const big = BigInt(text);
  const limit = int32 ? BigInt(INT32_MAX) : 2n ** 63n - 1n;
  if (big > limit || big < -limit - 1n)
    throw new InvalidConfigError(key, `${key}: ${raw} is out of range for a ${int32 ? '32' : '64'}-bit integer`);
  // Longs beyond 2^53 only make sense as "never" (Kafka's Long.MAX_VALUE defaults): clamp.
  const value = big > BigInt(NEVER) ? NEVER : Number(big);
  if (value < min) throw new InvalidConfigError(key, `${key}: ${raw} is below the minimum ${min}`);
  return value;
}

function parseCleanupPolicy(raw: string): LogConfig['cleanupPolicy'] {
  const policy = { delete: false, compact: false };
  const parts = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0)
    throw new InvalidConfigError(
      'cleanup.policy',
      `cleanup.policy: '${raw}' names no policy (use delete and/or compact)`,
    );
  for (const part of parts) {
    if (part === 'delete') policy.delete = true;
    else if (part === 'compact') policy.compact = true;
    else throw new InvalidConfigError('cleanup.policy', `cleanup.policy: unknown policy '${part}' (delete, compact)`);
  }
  return policy;
}

/**
 * Applies Kafka-named string properties on top of `base` (the defaults unless given), throwing
 * InvalidConfigError naming the first bad key. Unknown keys are ignored: topic configs that are
 * not storage's (min.insync.replicas, compression.type…) are the broker's to validate.
 */
export function parseLogConfig(
  props: Readonly<Record<string, string | null | undefined>>,
  base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG,
): LogConfig {
  const config: LogConfig = { ...base, cleanupPolicy: { ...base.cleanupPolicy } };
  for (const [key, raw] of Object.entries(props)) {
    if (raw === null || raw === undefined) continue;
    const numeric = NUMERIC[key];
    if (numeric) config[numeric.field] = parseInteger(key, raw, numeric.min, numeric.int32 ?? false);
    else if (key === 'cleanup.policy') config.cleanupPolicy = parseCleanupPolicy(raw);
    else if (key === 'message.timestamp.type') {
      const value = raw.trim();
      if (value !== 'CreateTime' && value !== 'LogAppendTime')
        throw new InvalidConfigError(key, `${key}: '${raw}' must be CreateTime or LogAppendTime`);
      config.messageTimestampType = value;
    } else if (key === 'min.cleanable.dirty.ratio') {
      const ratio = Number(raw.trim());
      if (raw.trim() === '' || !(ratio >= 0 && ratio <= 1))
        throw new InvalidConfigError(key, `${key}: '${raw}' must be a number from 0 to 1`);
      config.minCleanableDirtyRatio = ratio;
    }
  }
  return config;
}

/** The config back under Kafka's names, as DescribeConfigs reports it. */
export function logConfigToProperties(config: Readonly<LogConfig>): Record<string, string> {
  const props: Record<string, string> = {};
  for (const [key, { field }] of Object.entries(NUMERIC)) {
    const value = config[field];
    props[key] = value >= NEVER ? '9223372036854775807' : String(value);
  }
  const policies = [config.cleanupPolicy.compact && 'compact', config.cleanupPolicy.delete && 'delete'];
  props['cleanup.policy'] = policies.filter((p): p is string => typeof p === 'string').join(',');
  props['message.timestamp.type'] = config.messageTimestampType;
  const ratio = config.minCleanableDirtyRatio;
  props['min.cleanable.dirty.ratio'] = Number.isInteger(ratio) ? ratio.toFixed(1) : String(ratio);
  return props;
}

/** The full config from a partial one (fields absent take the defaults). */
export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config = { ...DEFAULT_LOG_CONFIG, ...overrides };
  return { ...config, cleanupPolicy: { ...config.cleanupPolicy } };
}
