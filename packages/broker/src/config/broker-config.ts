/**
 * The broker's configuration: Kafka's names, types and defaults, in one schema from which the
 * parsed type, validation, `--help` and DescribeConfigs are all derived.
 */
import { DEFAULT_LOG_CONFIG, NEVER } from '@gregor/storage';
import { CLUSTER_CONFIG } from './cluster-config.js';
import { TOPIC_DEFAULT_CONFIGS } from './log-defaults.js';
import type { ConfigLayer } from './sources.js';
import { unknownKeyMessage } from './unknown-keys.js';

export { parseProperties, propertiesFromEnv, type ConfigLayer } from './sources.js';

type Kind = 'int' | 'long' | 'string' | 'boolean' | 'list' | 'double';

interface ConfigKey {
  kind: Kind;
  default: string;
  doc: string;
  /** Extra validation for a parsed value; returns an error message or undefined. */
  check?: (value: unknown) => string | undefined;
  /** Topic-level config this broker setting is the default for (`log.retention.ms` → `retention.ms`). */
  topicConfig?: string;
}

const atLeast = (min: number) => (v: unknown) => ((v as number) < min ? `must be at least ${min}` : undefined);
const oneOf =
  (...values: string[]) =>
  (v: unknown) =>
    values.includes(v as string) ? undefined : `must be one of ${values.join(', ')}`;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const longDefault = (n: number): string => (n >= NEVER ? '9223372036854775807' : String(n));

export const BROKER_CONFIG = {
  'node.id': { kind: 'int', default: '0', doc: 'This broker id (broker.id is an alias)', check: atLeast(0) },
  listeners: {
    kind: 'list',
    default: 'PLAINTEXT://127.0.0.1:9092',
    doc: 'Where the broker listens: NAME://host:port, comma separated (port 0 picks a free port)',
  },
  'advertised.listeners': {
    kind: 'list',
    default: '',
    doc: 'Addresses given to clients in Metadata; empty = the listeners',
  },
  'log.dirs': { kind: 'list', default: './data', doc: 'Data directory (one is supported)' },
  'num.partitions': { kind: 'int', default: '1', doc: 'Partitions of auto-created topics', check: atLeast(1) },
  'default.replication.factor': { kind: 'int', default: '1', doc: 'Replication factor of auto-created topics' },
  'auto.create.topics.enable': { kind: 'boolean', default: 'true', doc: 'Create topics on Metadata requests' },
  'delete.topic.enable': { kind: 'boolean', default: 'true', doc: 'Allow DeleteTopics' },
  'message.max.bytes': {
    kind: 'int',
    default: String(DEFAULT_LOG_CONFIG.maxMessageBytes),
    doc: 'Largest record batch accepted (after compression)',
    check: atLeast(0),
    topicConfig: 'max.message.bytes',
  },
  'socket.request.max.bytes': {
    kind: 'int',
    default: String(100 * 1024 * 1024),
    doc: 'Largest request frame accepted; larger ones close the connection',
    check: atLeast(1),
  },
  'log.segment.bytes': {
    kind: 'int',
    default: String(DEFAULT_LOG_CONFIG.segmentBytes),
    doc: 'Segment size before rolling',
    check: atLeast(14),
    topicConfig: 'segment.bytes',
  },
  'log.roll.ms': {
    kind: 'long',
    default: String(DEFAULT_LOG_CONFIG.segmentMs),
    doc: 'Segment age before rolling',
    check: atLeast(1),
    topicConfig: 'segment.ms',
  },
  'log.retention.ms': {
    kind: 'long',
    default: String(DEFAULT_LOG_CONFIG.retentionMs),
    doc: 'Age after which old segments are deleted (-1 = forever); log.retention.minutes/hours are aliases',
    check: atLeast(-1),
    topicConfig: 'retention.ms',
  },
  'log.retention.bytes': {
    kind: 'long',
    default: '-1',
    doc: 'Size above which old segments are deleted (-1 = no limit)',
    topicConfig: 'retention.bytes',
  },
  'log.retention.check.interval.ms': {
    kind: 'long',
    default: '300000',
    doc: 'How often retention runs',
    check: atLeast(1),
  },
  'log.cleanup.policy': {
    kind: 'list',
    default: 'delete',
    doc: 'delete and/or compact',
    topicConfig: 'cleanup.policy',
  },
  'log.cleaner.delete.retention.ms': {
    kind: 'long',
    default: String(DEFAULT_LOG_CONFIG.deleteRetentionMs),
    doc: 'How long tombstones stay readable in compacted topics',
    topicConfig: 'delete.retention.ms',
  },
  'log.cleaner.backoff.ms': { kind: 'long', default: '15000', doc: 'How often the cleaner looks for work' },
  'log.cleaner.min.compaction.lag.ms': {
    kind: 'long',
    default: '0',
    doc: 'Records younger than this are not compacted',
    topicConfig: 'min.compaction.lag.ms',
  },
  'log.index.interval.bytes': {
    kind: 'int',
    default: '4096',
    doc: 'Bytes between offset index entries',
    topicConfig: 'index.interval.bytes',
  },
  'log.index.size.max.bytes': {
    kind: 'int',
    default: String(DEFAULT_LOG_CONFIG.segmentIndexBytes),
    doc: 'Largest offset index per segment',
    topicConfig: 'segment.index.bytes',
  },
  'log.flush.interval.messages': {
    kind: 'long',
    default: longDefault(NEVER),
    doc: 'fsync after this many records (1 = every append); default leaves flushing to the OS',
    check: atLeast(1),
    topicConfig: 'flush.messages',
  },
  'log.flush.interval.ms': {
    kind: 'long',
    default: longDefault(NEVER),
    doc: 'fsync when unflushed data is this old; default leaves flushing to the OS',
    topicConfig: 'flush.ms',
  },
  'log.flush.scheduler.interval.ms': { kind: 'long', default: '1000', doc: 'How often flush.ms is checked' },
  'log.flush.offset.checkpoint.interval.ms': {
    kind: 'int',
    default: '60000',
    doc: 'How often the recovery point (below it, everything was fsynced) is checkpointed',
    check: atLeast(1),
  },
  'replica.high.watermark.checkpoint.interval.ms': {
    kind: 'long',
    default: '5000',
    doc: 'How often the high watermark is checkpointed',
    check: atLeast(1),
  },
  'log.max.open.files': {
    kind: 'int',
    default: '-1',
    doc: 'Most segment files (.log, .index, .timeindex) open at once, least recently used closed first; -1 = half the open-files limit (ulimit -n)',
    check: (v) => ((v as number) === -1 || (v as number) >= 16 ? undefined : 'must be -1 or at least 16'),
  },
  'log.message.timestamp.type': {
    kind: 'string',
    default: 'CreateTime',
    doc: 'CreateTime or LogAppendTime',
    check: oneOf('CreateTime', 'LogAppendTime'),
    topicConfig: 'message.timestamp.type',
  },
  'min.insync.replicas': {
    kind: 'int',
    default: '1',
    doc: 'Replicas that must have a write for acks=all',
    check: atLeast(1),
    topicConfig: 'min.insync.replicas',
  },
  'compression.type': {
    kind: 'string',
    default: 'producer',
    doc: 'Codec batches are stored with: producer (as sent), uncompressed, gzip, snappy, lz4 or zstd (recompressed)',
    check: oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'),
    topicConfig: 'compression.type',
  },
  'metrics.port': {
    kind: 'int',
    default: '-1',
    doc: 'Port of the Prometheus /metrics endpoint on the listener host (-1 = off, 0 = any free port)',
  },
  'log.level': {
    kind: 'string',
    default: 'info',
    doc: 'trace, debug, info, warn, error, fatal or silent',
    check: oneOf(...LOG_LEVELS),
  },
  'log.format': {
    kind: 'string',
    default: 'auto',
    doc: 'text (one readable line per entry) or json; auto = text on a terminal, json otherwise',
    check: oneOf('auto', 'text', 'json'),
  },
  'offsets.topic.num.partitions': {
    kind: 'int',
    default: '50',
    doc: 'Partitions of __consumer_offsets when it is created',
    check: atLeast(1),
  },
  'offsets.retention.minutes': {
    kind: 'int',
    default: '10080',
    doc: 'Committed offsets of an empty group expire after this long',
    check: atLeast(1),
  },
  'offsets.retention.check.interval.ms': {
    kind: 'long',
    default: '600000',
    doc: 'How often expired offsets are looked for',
    check: atLeast(1),
  },
  'offset.metadata.max.bytes': {
    kind: 'int',
    default: '4096',
    doc: 'Largest metadata string accepted with a committed offset',
    check: atLeast(0),
  },
  'group.initial.rebalance.delay.ms': {
    kind: 'int',
    default: '3000',
    doc: 'How long the first rebalance of an empty group waits for more members to join',
    check: atLeast(0),
  },
  'group.min.session.timeout.ms': {
    kind: 'int',
    default: '6000',
    doc: 'Smallest session timeout a classic group member may ask for',
    check: atLeast(0),
  },
  'group.max.session.timeout.ms': {
    kind: 'int',
    default: '1800000',
    doc: 'Largest session timeout a classic group member may ask for',
    check: atLeast(0),
  },
  'group.max.size': {
    kind: 'int',
    default: '2147483647',
    doc: 'Most members one group may have',
    check: atLeast(1),
  },
  'group.consumer.heartbeat.interval.ms': {
    kind: 'int',
    default: '5000',
    doc: 'Heartbeat interval given to members of consumer-protocol (KIP-848) groups',
    check: atLeast(1),
  },
  'group.consumer.session.timeout.ms': {
    kind: 'int',
    default: '45000',
    doc: 'Session timeout of members of consumer-protocol (KIP-848) groups',
    check: atLeast(1),
  },
  'group.consumer.assignors': {
    kind: 'list',
    default: 'uniform,range',
    doc: 'Server-side assignors of consumer-protocol groups; the first is the default',
  },
  ...TOPIC_DEFAULT_CONFIGS,
  ...CLUSTER_CONFIG,
} satisfies Record<string, ConfigKey>;

export type BrokerConfigName = keyof typeof BROKER_CONFIG;

/** Alternative names Kafka accepts, mapped onto one key (with a unit conversion where needed). */
const ALIASES: Record<string, { key: BrokerConfigName; scale?: number }> = {
  'broker.id': { key: 'node.id' },
  'log.dir': { key: 'log.dirs' },
  'log.retention.minutes': { key: 'log.retention.ms', scale: 60_000 },
  'log.retention.hours': { key: 'log.retention.ms', scale: 3_600_000 },
  'log.roll.hours': { key: 'log.roll.ms', scale: 3_600_000 },
  'log.roll.jitter.hours': { key: 'log.roll.jitter.ms', scale: 3_600_000 },
};

/** A name the broker reads: a setting or one of Kafka's aliases for one. */
export const isBrokerSetting = (name: string): boolean =>
  Object.hasOwn(BROKER_CONFIG, name) || Object.hasOwn(ALIASES, name);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface Listener {
  name: string;
  host: string;
  port: number;
}

export interface BrokerConfig {
  /** The raw, validated values under Kafka's names. */
  values: Record<BrokerConfigName, string>;
  /** Problems that do not stop the broker (unknown keys), one line each, for the log at start. */
  warnings: string[];
  /** What was set (file, environment, flags) under the names used, aliases included. */
  originals: Record<string, string>;
  nodeId: number;
  listeners: Listener[];
  advertisedListeners: Listener[];
  logDir: string;
  int(name: BrokerConfigName): number;
  bool(name: BrokerConfigName): boolean;
  string(name: BrokerConfigName): string;
  /** Broker defaults for topic configs, under topic config names. */
  topicDefaults(): Record<string, string>;
}

function parseListener(text: string): Listener {
  const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError(`listener '${text}' is not NAME://host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`listener '${text}' has port ${port} above 65535`);
  return { name: m[1]!, host: m[2]!.replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

function parseValue(name: string, kind: Kind, raw: string): unknown {
  const text = raw.trim();
  switch (kind) {
    case 'int':
    case 'long': {
      if (!/^-?\d+$/.test(text)) throw new ConfigError(`${name}: '${raw}' is not an integer`);
      const big = BigInt(text);
      if (kind === 'int' && (big > 2147483647n || big < -2147483648n))
        throw new ConfigError(`${name}: ${raw} is out of range for an int`);
      return big > BigInt(NEVER) ? NEVER : Number(big);
    }
    case 'double':
      if (Number.isNaN(Number(text))) throw new ConfigError(`${name}: '${raw}' is not a number`);
      return Number(text);
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new ConfigError(`${name}: '${raw}' must be true or false`);
      return text === 'true';
    case 'list':
    case 'string':
      return text;
  }
}

export interface ConfigOptions {
  /** Unknown keys are errors rather than warnings (`--strict-config`). */
  strict?: boolean;
}

/**
 * Builds a validated config from unlabelled layers of Kafka-named properties, later layers
 * winning; unknown keys become warnings. See resolveBrokerConfig.
 */
export function buildBrokerConfig(...layers: Record<string, string>[]): BrokerConfig {
  return resolveBrokerConfig(layers.map((values) => ({ source: '', values })));
}

/**
 * Builds a validated config from layers of Kafka-named properties, later layers winning
 * (defaults < file < environment < flags). Every mistake is reported, one per line, naming the
 * layer it came from. Keys the broker does not know are warnings (as in Kafka), or errors
 * with `strict`.
 */
export function resolveBrokerConfig(layers: ConfigLayer[], options: ConfigOptions = {}): BrokerConfig {
  const values = Object.fromEntries(Object.entries(BROKER_CONFIG).map(([k, d]) => [k, d.default])) as Record<
    BrokerConfigName,
    string
  >;
  const sourceOf = new Map<string, string>();
  const from = (name: string): string => (sourceOf.get(name) ? ` (from ${sourceOf.get(name)})` : '');
  const errors: string[] = [];
  const warnings: string[] = [];
  const ignored = new Set<string>();
  const knownNames = [...Object.keys(BROKER_CONFIG), ...Object.keys(ALIASES)];
  const originals: Record<string, string> = {};
  for (const { source, values: layer } of layers)
    for (const [rawName, raw] of Object.entries(layer)) {
      originals[rawName] = raw.trim();
      const alias = ALIASES[rawName];
      const name = alias?.key ?? rawName;
      if (!Object.hasOwn(BROKER_CONFIG, name)) {
        if (options.strict) errors.push(unknownKeyMessage(rawName, source, knownNames, false));
        else if (!ignored.has(rawName)) warnings.push(unknownKeyMessage(rawName, source, knownNames, true));
        ignored.add(rawName);
        continue;
      }
      let value = raw;
      if (alias?.scale !== undefined) {
        if (!/^-?\d+$/.test(raw.trim())) {
          errors.push(`${rawName}: '${raw}' is not an integer${source ? ` (from ${source})` : ''}`);
          continue;
        }
        value = raw.trim() === '-1' ? '-1' : String(Number(raw.trim()) * alias.scale);
      }
      values[name as BrokerConfigName] = value;
      sourceOf.set(name, source);
    }
  const parsed = new Map<string, unknown>();
  for (const [name, def] of Object.entries(BROKER_CONFIG) as [BrokerConfigName, ConfigKey][]) {
    try {
      const v = parseValue(name, def.kind, values[name]);
      const problem = def.check?.(v);
      if (problem) throw new ConfigError(`${name}: ${values[name]} ${problem}`);
      parsed.set(name, v);
    } catch (err) {
      errors.push((err instanceof Error ? err.message : String(err)) + from(name));
    }
  }
  let listeners: Listener[] = [];
  let advertised: Listener[] = [];
  try {
    listeners = splitList(values.listeners).map(parseListener);
    if (listeners.length === 0) errors.push('listeners: at least one listener is needed');
    // A KRaft file lists CONTROLLER://… beside the client listener; one broker serves one.
    if (listeners.length > 1)
      warnings.push(
        `listeners: only ${listeners[0]!.name} is served; ${listeners
          .slice(1)
          .map((l) => l.name)
          .join(', ')} ignored`,
      );
    advertised = splitList(values['advertised.listeners']).map(parseListener);
  } catch (err) {
    errors.push((err as Error).message);
  }
  const dirs = splitList(values['log.dirs']);
  if (dirs.length !== 1)
    errors.push(`log.dirs: exactly one directory is supported, got ${dirs.length}${from('log.dirs')}`);
  if (errors.length > 0)
    throw new ConfigError(`invalid configuration:${errors.length === 1 ? ' ' : '\n  '}${errors.join('\n  ')}`);

  return {
    values,
    warnings,
    originals,
    nodeId: parsed.get('node.id') as number,
    listeners,
    advertisedListeners: advertised.length > 0 ? advertised : listeners,
    logDir: dirs[0]!,
    int: (name) => parsed.get(name) as number,
    bool: (name) => parsed.get(name) as boolean,
    string: (name) => values[name].trim(),
    topicDefaults: () => {
      const out: Record<string, string> = {};
      for (const [name, def] of Object.entries(BROKER_CONFIG) as [BrokerConfigName, ConfigKey][])
        if (def.topicConfig) out[def.topicConfig] = values[name].trim();
      return out;
    },
  };
}

export const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export function configHelp(): string {
  return Object.entries(BROKER_CONFIG)
    .map(([name, def]) => `  ${name.padEnd(36)} ${def.doc} (default: ${def.default || '""'})`)
    .join('\n');
}
