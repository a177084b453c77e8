/**
 * Broker settings that are the defaults of topic configs and have no other use in the broker's
 * own configuration (Kafka's `log.cleaner.min.cleanable.ratio` → `min.cleanable.dirty.ratio`,
 * ...), with Kafka's names and defaults. broker-config.ts spreads them into BROKER_CONFIG.
 */
const LONG_MAX = '9223372036854775807';
const atLeast = (min: number) => (v: unknown) => ((v as number) < min ? `must be at least ${min}` : undefined);

export const TOPIC_DEFAULT_CONFIGS = {
  'log.cleaner.max.compaction.lag.ms': {
    kind: 'long',
    default: LONG_MAX,
    doc: 'Longest a record stays uncompacted in compacted topics (max.compaction.lag.ms)',
    check: atLeast(1),
    topicConfig: 'max.compaction.lag.ms',
  },
  'log.cleaner.min.cleanable.ratio': {
    kind: 'double',
    default: '0.5',
    doc: 'Dirty share of a compacted log that triggers cleaning (min.cleanable.dirty.ratio)',
    check: (v: unknown) => ((v as number) < 0 || (v as number) > 1 ? 'must be from 0 to 1' : undefined),
    topicConfig: 'min.cleanable.dirty.ratio',
  },
  'log.segment.delete.delay.ms': {
    kind: 'long',
    default: '60000',
    doc: 'Delay before deleting segment files (file.delete.delay.ms; stored, files go at once)',
    check: atLeast(0),
    topicConfig: 'file.delete.delay.ms',
  },
  'log.roll.jitter.ms': {
    kind: 'long',
    default: '0',
    doc: 'Random jitter of segment rolls (segment.jitter.ms; stored); log.roll.jitter.hours is an alias',
    check: atLeast(0),
    topicConfig: 'segment.jitter.ms',
  },
  'log.message.timestamp.difference.max.ms': {
    kind: 'long',
    default: LONG_MAX,
    doc: 'Deprecated: largest CreateTime distance from the broker clock (message.timestamp.difference.max.ms)',
    check: atLeast(0),
    topicConfig: 'message.timestamp.difference.max.ms',
  },
  'log.message.timestamp.before.max.ms': {
    kind: 'long',
    default: LONG_MAX,
    doc: 'How far in the past a CreateTime timestamp may be (message.timestamp.before.max.ms)',
    check: atLeast(0),
    topicConfig: 'message.timestamp.before.max.ms',
  },
  'log.message.timestamp.after.max.ms': {
    kind: 'long',
    default: LONG_MAX,
    doc: 'How far in the future a CreateTime timestamp may be (message.timestamp.after.max.ms)',
    check: atLeast(0),
    topicConfig: 'message.timestamp.after.max.ms',
  },
  'log.message.format.version': {
    kind: 'string',
    default: '3.0-IV1',
    doc: 'Deprecated message format version (message.format.version); accepted and ignored',
    topicConfig: 'message.format.version',
  },
  'log.message.downconversion.enable': {
    kind: 'boolean',
    default: 'true',
    doc: 'Down-conversion for old fetch versions (message.downconversion.enable; stored)',
    topicConfig: 'message.downconversion.enable',
  },
  'log.preallocate': {
    kind: 'boolean',
    default: 'false',
    doc: 'Preallocate segment files (preallocate; stored)',
    topicConfig: 'preallocate',
  },
  'unclean.leader.election.enable': {
    kind: 'boolean',
    default: 'false',
    doc: 'Let an out-of-sync replica become leader as a last resort (unclean.leader.election.enable)',
    topicConfig: 'unclean.leader.election.enable',
  },
  'log.local.retention.ms': {
    kind: 'long',
    default: '-2',
    doc: 'Local retention with tiered storage (local.retention.ms; stored, -2 = retention.ms)',
    check: atLeast(-2),
    topicConfig: 'local.retention.ms',
  },
  'log.local.retention.bytes': {
    kind: 'long',
    default: '-2',
    doc: 'Local retention with tiered storage (local.retention.bytes; stored, -2 = retention.bytes)',
    check: atLeast(-2),
    topicConfig: 'local.retention.bytes',
  },
} as const;
