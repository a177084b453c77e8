/**
 * Kafka's topic configs (LogConfig as of Kafka 3.7): every name with its type, built-in default,
 * validation, documentation and the broker settings Kafka reports as its synonyms. CreateTopics,
 * AlterConfigs and IncrementalAlterConfigs accept exactly these names; DescribeConfigs lists
 * them all. Values are validated as Kafka's ConfigDef does and refused with its wording
 * ("Invalid value X for configuration Y: ...").
 */
import { parseLogConfig, StorageError } from '@gregor/storage';

export type TopicConfigType = 'boolean' | 'string' | 'int' | 'long' | 'double' | 'list';

export interface TopicConfigDef {
  type: TopicConfigType;
  /** Kafka's built-in default, as DescribeConfigs prints it. */
  default: string;
  doc: string;
  /**
   * The broker settings Kafka takes this config's default from, in the order it reports them
   * as synonyms; the first is the one it reads (`log.retention.ms` before `log.retention.hours`).
   */
  brokerSynonyms: readonly string[];
  /** Validation beyond the type; returns the reason a value is refused. */
  check?: (value: string) => string | undefined;
}

const LONG_MAX = '9223372036854775807';

const atLeast =
  (min: number) =>
  (v: string): string | undefined =>
    Number(v) < min ? `Value must be at least ${min}` : undefined;
const between =
  (min: number, max: number) =>
  (v: string): string | undefined =>
    Number(v) < min
      ? `Value must be at least ${min}`
      : Number(v) > max
        ? `Value must be no more than ${max}`
        : undefined;
const oneOf =
  (...values: string[]) =>
  (v: string): string | undefined =>
    values.includes(v.trim()) ? undefined : `String must be one of: ${values.join(', ')}`;
const listOf =
  (...values: string[]) =>
  (v: string): string | undefined =>
    splitList(v).every((item) => values.includes(item)) ? undefined : `String must be one of: ${values.join(', ')}`;

/** `*` or partition:broker pairs, as Kafka's throttled-replica lists are written. */
const throttledReplicas = (v: string): string | undefined => {
  const items = splitList(v);
  if (items.length === 1 && items[0] === '*') return undefined;
  return items.every((item) => /^\d+:\d+$/.test(item))
    ? undefined
    : "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
};

/** Kafka's message format / metadata versions (0.8.0 … 3.x-IVn); only kept for older clients' sake. */
const messageFormatVersion = (v: string): string | undefined =>
  /^(0\.(8|9|10|11)\.\d+(\.\d+)?|[1-3]\.\d+)(-IV\d+)?$/.test(v.trim())
    ? undefined
    : `${v} is not a Kafka version (for example 2.8 or 3.0-IV1)`;

const remoteStorage = (v: string): string | undefined =>
  v.trim().toLowerCase() === 'true'
    ? 'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.'
    : undefined;

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  'cleanup.policy': {
    type: 'list',
    default: 'delete',
    doc: 'What happens to old log segments: "delete" removes them by age or size (retention.ms, retention.bytes), "compact" keeps only the latest record of each key; both may be given.',
    brokerSynonyms: ['log.cleanup.policy'],
    check: listOf('compact', 'delete'),
  },
  'compression.type': {
    type: 'string',
    default: 'producer',
    doc: 'The codec batches are stored with: "producer" keeps each batch as the producer compressed it; uncompressed, gzip, snappy, lz4 or zstd make the broker recompress batches that arrive with another codec.',
    brokerSynonyms: ['compression.type'],
    check: oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
  },
  'delete.retention.ms': {
    type: 'long',
    default: '86400000',
    doc: 'How long a tombstone (a null value) stays readable in a compacted topic after the cleaner first sees it, so consumers catching up can still observe the delete.',
    brokerSynonyms: ['log.cleaner.delete.retention.ms'],
    check: atLeast(0),
  },
  'file.delete.delay.ms': {
    type: 'long',
    default: '60000',
    doc: 'How long Kafka waits before deleting a segment file from disk; this broker deletes files at once and only stores the value.',
    brokerSynonyms: ['log.segment.delete.delay.ms'],
    check: atLeast(0),
  },
  'flush.messages': {
    type: 'long',
    default: LONG_MAX,
    doc: 'Force an fsync after this many records (1 = every append). The default leaves flushing to the operating system.',
    brokerSynonyms: ['log.flush.interval.messages'],
    check: atLeast(1),
  },
  'flush.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'Force an fsync when unflushed data is this old. The default leaves flushing to the operating system.',
    brokerSynonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
    check: atLeast(0),
  },
  'follower.replication.throttled.replicas': {
    type: 'list',
    default: '',
    doc: 'Replicas whose replication is throttled on the follower side: "*" or partition:broker pairs. Stored; a single broker has no followers.',
    brokerSynonyms: [],
    check: throttledReplicas,
  },
  'index.interval.bytes': {
    type: 'int',
    default: '4096',
    doc: 'Bytes of log between two entries of the sparse offset and time indexes.',
    brokerSynonyms: ['log.index.interval.bytes'],
    check: atLeast(0),
  },
  'leader.replication.throttled.replicas': {
    type: 'list',
    default: '',
    doc: 'Replicas whose replication is throttled on the leader side: "*" or partition:broker pairs. Stored; a single broker has no followers.',
    brokerSynonyms: [],
    check: throttledReplicas,
  },
  'local.retention.bytes': {
    type: 'long',
    default: '-2',
    doc: 'With tiered storage, the local size limit before segments are only kept remotely (-2 = retention.bytes). Stored; tiered storage is not available.',
    brokerSynonyms: ['log.local.retention.bytes'],
    check: atLeast(-2),
  },
  'local.retention.ms': {
    type: 'long',
    default: '-2',
    doc: 'With tiered storage, the local age limit before segments are only kept remotely (-2 = retention.ms). Stored; tiered storage is not available.',
    brokerSynonyms: ['log.local.retention.ms'],
    check: atLeast(-2),
  },
  'max.compaction.lag.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'The longest a record may stay uncompacted in a compacted topic: a log holding dirty records older than this is cleaned whatever its dirty ratio, and its active segment is rolled at this age.',
    brokerSynonyms: ['log.cleaner.max.compaction.lag.ms'],
    check: atLeast(1),
  },
  'max.message.bytes': {
    type: 'int',
    default: '1048588',
    doc: 'The largest record batch accepted (after compression, including its header).',
    brokerSynonyms: ['message.max.bytes'],
    check: atLeast(0),
  },
  'message.downconversion.enable': {
    type: 'boolean',
    default: 'true',
    doc: 'Whether fetches of old versions may down-convert batches to older message formats. Stored; fetches always return record batches as stored.',
    brokerSynonyms: ['log.message.downconversion.enable'],
  },
  'message.format.version': {
    type: 'string',
    default: '3.0-IV1',
    doc: 'Deprecated message format version; accepted for older clients and tools and ignored (batches are always format v2, as in Kafka 3.0 and later).',
    brokerSynonyms: ['log.message.format.version'],
    check: messageFormatVersion,
  },
  'message.timestamp.after.max.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'With CreateTime, how far in the future a record timestamp may be compared with the broker clock; records further ahead are refused with INVALID_TIMESTAMP.',
    brokerSynonyms: ['log.message.timestamp.after.max.ms'],
    check: atLeast(0),
  },
  'message.timestamp.before.max.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'With CreateTime, how far in the past a record timestamp may be compared with the broker clock; older records are refused with INVALID_TIMESTAMP.',
    brokerSynonyms: ['log.message.timestamp.before.max.ms'],
    check: atLeast(0),
  },
  'message.timestamp.difference.max.ms': {
    type: 'long',
    default: LONG_MAX,
    doc: 'Deprecated (use message.timestamp.before.max.ms and after.max.ms): with CreateTime, the largest difference between a record timestamp and the broker clock; it applies to whichever of before/after is not set.',
    brokerSynonyms: ['log.message.timestamp.difference.max.ms'],
    check: atLeast(0),
  },
  'message.timestamp.type': {
    type: 'string',
    default: 'CreateTime',
    doc: 'CreateTime keeps the producer timestamps; LogAppendTime stamps each batch with the broker clock on append.',
    brokerSynonyms: ['log.message.timestamp.type'],
    check: oneOf('CreateTime', 'LogAppendTime'),
  },
  'min.cleanable.dirty.ratio': {
    type: 'double',
    default: '0.5',
    doc: 'The cleaner compacts a log once the share of its cleanable bytes not yet compacted exceeds this ratio (or max.compaction.lag.ms has passed).',
    brokerSynonyms: ['log.cleaner.min.cleanable.ratio'],
    check: between(0, 1),
  },
  'min.compaction.lag.ms': {
    type: 'long',
    default: '0',
    doc: 'The shortest a record stays uncompacted: segments holding records younger than this are left alone by the cleaner.',
    brokerSynonyms: ['log.cleaner.min.compaction.lag.ms'],
    check: atLeast(0),
  },
  'min.insync.replicas': {
    type: 'int',
    default: '1',
    doc: 'With acks=all, the fewest in-sync replicas that must have a write; fewer fail the produce with NOT_ENOUGH_REPLICAS.',
    brokerSynonyms: ['min.insync.replicas'],
    check: atLeast(1),
  },
  preallocate: {
    type: 'boolean',
    default: 'false',
    doc: 'Whether segment files are preallocated on disk when created. Stored; segments grow as written.',
    brokerSynonyms: ['log.preallocate'],
  },
  'remote.storage.enable': {
    type: 'boolean',
    default: 'false',
    doc: 'Tiered storage for this topic; not available on this broker, so only false is accepted.',
    brokerSynonyms: [],
    check: remoteStorage,
  },
  'retention.bytes': {
    type: 'long',
    default: '-1',
    doc: 'With the delete policy, the largest size a partition may grow to before its oldest segments are deleted (-1 = no limit).',
    brokerSynonyms: ['log.retention.bytes'],
  },
  'retention.ms': {
    type: 'long',
    default: '604800000',
    doc: 'With the delete policy, how long a segment is kept after its newest record (-1 = forever).',
    brokerSynonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
    check: atLeast(-1),
  },
  'segment.bytes': {
    type: 'int',
    default: '1073741824',
    doc: 'The size of a log segment file; retention and compaction work a whole segment at a time.',
    brokerSynonyms: ['log.segment.bytes'],
    check: atLeast(14),
  },
  'segment.index.bytes': {
    type: 'int',
    default: '10485760',
    doc: 'The largest offset index of a segment; a full index rolls the segment.',
    brokerSynonyms: ['log.index.size.max.bytes'],
    check: atLeast(4),
  },
  'segment.jitter.ms': {
    type: 'long',
    default: '0',
    doc: 'The largest random jitter Kafka subtracts from segment.ms to spread segment rolls. Stored; segments roll at segment.ms.',
    brokerSynonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
    check: atLeast(0),
  },
  'segment.ms': {
    type: 'long',
    default: '604800000',
    doc: 'How old the active segment may get before it is rolled, so retention and compaction can act on it.',
    brokerSynonyms: ['log.roll.ms', 'log.roll.hours'],
    check: atLeast(1),
  },
  'unclean.leader.election.enable': {
    type: 'boolean',
    default: 'false',
    doc: 'Whether a replica outside the ISR may become leader as a last resort, at the risk of losing data. Stored; a single broker always leads its partitions.',
    brokerSynonyms: ['unclean.leader.election.enable'],
  },
};

/**
 * Kafka's built-in broker defaults for the synonyms above (its staticDefaultConfigs). Settings
 * without a default in Kafka (log.retention.ms, log.roll.ms, log.flush.interval.ms...) are absent:
 * Kafka reports no synonym for them.
 */
export const KAFKA_BROKER_DEFAULTS: Readonly<Record<string, string>> = {
  'log.cleanup.policy': 'delete',
  'compression.type': 'producer',
  'log.cleaner.delete.retention.ms': '86400000',
  'log.segment.delete.delay.ms': '60000',
  'log.flush.interval.messages': LONG_MAX,
  'log.flush.scheduler.interval.ms': LONG_MAX,
  'log.index.interval.bytes': '4096',
  'log.local.retention.bytes': '-2',
  'log.local.retention.ms': '-2',
  'log.cleaner.max.compaction.lag.ms': LONG_MAX,
  'message.max.bytes': '1048588',
  'log.message.downconversion.enable': 'true',
  'log.message.format.version': '3.0-IV1',
  'log.message.timestamp.after.max.ms': LONG_MAX,
  'log.message.timestamp.before.max.ms': LONG_MAX,
  'log.message.timestamp.difference.max.ms': LONG_MAX,
  'log.message.timestamp.type': 'CreateTime',
  'log.cleaner.min.cleanable.ratio': '0.5',
  'log.cleaner.min.compaction.lag.ms': '0',
  'min.insync.replicas': '1',
  'log.preallocate': 'false',
  'log.retention.bytes': '-1',
  'log.retention.hours': '168',
  'log.segment.bytes': '1073741824',
  'log.index.size.max.bytes': '10485760',
  'log.roll.jitter.hours': '0',
  'log.roll.hours': '168',
  'unclean.leader.election.enable': 'false',
};

/** Every topic config name, sorted as Kafka lists them. */
export const TOPIC_CONFIG_KEYS: readonly string[] = Object.keys(TOPIC_CONFIGS).sort();

export const isListTopicConfig = (name: string): boolean => TOPIC_CONFIGS[name]?.type === 'list';

export const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;

/**
 * A value as Kafka prints it once parsed (`0100` → `100`, `TRUE` → `true`, `1` → `1.0` for
 * doubles), or the reason it does not parse as the config's type.
 */
export function normalizeTopicConfigValue(def: TopicConfigDef, raw: string): { value: string } | { problem: string } {
  const text = raw.trim();
  switch (def.type) {
    case 'int':
    case 'long': {
      if (!/^[-+]?\d+$/.test(text)) return { problem: `Not a number of type ${def.type.toUpperCase()}` };
      const big = BigInt(text);
      const [min, max] = def.type === 'int' ? INT_RANGE : LONG_RANGE;
      if (big < min || big > max) return { problem: `Not a number of type ${def.type.toUpperCase()}` };
      return { value: big.toString() };
    }
    case 'double': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) return { problem: 'Not a number of type DOUBLE' };
      return { value: Number.isInteger(n) ? n.toFixed(1) : String(n) };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return { problem: 'Expected value to be either true or false' };
      return { value: lower };
    }
    case 'list':
      return { value: splitList(text).join(',') };
    case 'string':
      return { value: text };
  }
}

/** Why one topic config value is refused, in Kafka's words, or undefined when it is valid. */
export function topicConfigValueProblem(name: string, raw: string): string | undefined {
  const def = TOPIC_CONFIGS[name];
  if (!def) return `Unknown topic config name: ${name}`;
  const parsed = normalizeTopicConfigValue(def, raw);
  const reason = 'problem' in parsed ? parsed.problem : def.check?.(parsed.value);
  return reason === undefined ? undefined : `Invalid value ${raw} for configuration ${name}: ${reason}`;
}

/**
 * Validates a topic's complete override set: each name and value, then the rules across
 * configs (min.compaction.lag.ms ≤ max.compaction.lag.ms) and the storage layer's own parse.
 */
export function topicConfigProblem(configs: Readonly<Record<string, string>>): string | undefined {
  for (const [name, value] of Object.entries(configs)) {
    const problem = topicConfigValueProblem(name, value);
    if (problem) return problem;
  }
  const minLag = configs['min.compaction.lag.ms'];
  const maxLag = configs['max.compaction.lag.ms'];
  if (minLag !== undefined && maxLag !== undefined && BigInt(minLag.trim()) > BigInt(maxLag.trim()))
    return `conflict topic config setting min.compaction.lag.ms (${minLag.trim()}) > max.compaction.lag.ms (${maxLag.trim()})`;
  try {
    parseLogConfig(configs);
  } catch (err) {
    if (err instanceof StorageError) return err.message;
    throw err;
  }
  return undefined;
}
