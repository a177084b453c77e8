/**
 * Kafka (Java) and librdkafka client property names, as given to `-X key=value`,
 * `--producer-property`, `--consumer-property`, `--command-config FILE` or a profile, mapped
 * onto @gregor/client's options. A property for the other role (linger.ms on consume) or one
 * without meaning here (serializers) is ignored with a warning; an unknown property, or a
 * security setting the client cannot honour, is a usage error, so a typo never passes silently.
 */
import type { ClientOptions, ConsumerOptions, ProducerOptions } from '@gregor/client';
import { COMPRESSIONS } from './args.js';
import { UsageError } from './errors.js';

export type Role = 'admin' | 'producer' | 'consumer';
type Options = Partial<ClientOptions & ProducerOptions & ConsumerOptions> & Record<string, unknown>;
type Parse = (value: string, name: string) => unknown;

const bad = (name: string, value: string, expected: string): never => {
  throw new UsageError(`client property ${name}: expected ${expected}, got '${value}'`);
};
const int: Parse = (v, name) => (/^\d+$/.test(v.trim()) ? Number(v) : bad(name, v, 'a non-negative integer'));
const bool: Parse = (v, name) => (/^(true|false)$/i.test(v) ? /^true$/i.test(v) : bad(name, v, 'true or false'));
const str: Parse = (v) => v;
const oneOf =
  (map: Record<string, unknown>): Parse =>
  (v, name) =>
    v.toLowerCase() in map ? map[v.toLowerCase()] : bad(name, v, Object.keys(map).join(', '));
const compression: Parse = (v, name) =>
  (COMPRESSIONS as readonly string[]).includes(v) ? v : bad(name, v, COMPRESSIONS.join(', '));
const ASSIGNORS: Record<string, string> = {
  range: 'range',
  rangeassignor: 'range',
  roundrobin: 'roundrobin',
  roundrobinassignor: 'roundrobin',
  'cooperative-sticky': 'cooperative-sticky',
  cooperativestickyassignor: 'cooperative-sticky',
};
/** Java class names (org.apache.kafka.clients.consumer.RangeAssignor) or librdkafka names. */
const assignors: Parse = (v, name) =>
  v.split(',').map((a) => {
    const short = a.trim().split('.').pop()!.toLowerCase();
    return ASSIGNORS[short] ?? bad(name, v, 'range, roundrobin or cooperative-sticky (comma-separated)');
  });

interface Mapping {
  role: Role | 'all';
  option: string;
  parse: Parse;
}
const m = (role: Mapping['role'], option: string, parse: Parse, ...names: string[]): [string, Mapping][] =>
  names.map((n) => [n, { role, option, parse }]);

/** Property → option. Where Kafka and librdkafka spell a setting differently, both are listed. */
const MAPPINGS = new Map<string, Mapping>([
  ...m('all', 'bootstrap', str, 'bootstrap.servers', 'metadata.broker.list', 'brokers'),
  ...m('all', 'clientId', str, 'client.id'),
  ...m('all', 'connectTimeoutMs', int, 'socket.connection.setup.timeout.ms', 'socket.connection.setup.timeout.max.ms'),
  ...m('all', 'requestTimeoutMs', int, 'request.timeout.ms', 'socket.timeout.ms', 'default.api.timeout.ms'),
  ...m('all', 'maxInFlightRequests', int, 'max.in.flight.requests.per.connection', 'max.in.flight'),
  ...m('all', 'metadataMaxAgeMs', int, 'metadata.max.age.ms'),
  ...m('all', 'retryBackoffMs', int, 'retry.backoff.ms'),
  ...m('all', 'retryBackoffMaxMs', int, 'retry.backoff.max.ms'),
  ...m('producer', 'acks', oneOf({ all: -1, '-1': -1, '1': 1, '0': 0 }), 'acks', 'request.required.acks'),
  ...m('producer', 'idempotent', bool, 'enable.idempotence'),
  ...m('producer', 'compression', compression, 'compression.type', 'compression.codec'),
  ...m('producer', 'batchSize', int, 'batch.size'),
  ...m('producer', 'lingerMs', int, 'linger.ms', 'queue.buffering.max.ms'),
  ...m('producer', 'bufferMemory', int, 'buffer.memory'),
  ...m('producer', 'maxBlockMs', int, 'max.block.ms'),
  ...m('producer', 'maxRequestSize', int, 'max.request.size', 'message.max.bytes'),
  ...m('producer', 'deliveryTimeoutMs', int, 'delivery.timeout.ms', 'message.timeout.ms'),
  ...m('producer', 'retries', int, 'retries', 'message.send.max.retries'),
  ...m('producer', 'allowAutoTopicCreation', bool, 'allow.auto.create.topics'),
  ...m('consumer', 'groupId', str, 'group.id'),
  ...m('consumer', 'groupInstanceId', str, 'group.instance.id'),
  ...m('consumer', 'groupProtocol', oneOf({ classic: 'classic', consumer: 'consumer' }), 'group.protocol'),
  ...m('consumer', 'groupRemoteAssignor', str, 'group.remote.assignor'),
  ...m('consumer', 'sessionTimeoutMs', int, 'session.timeout.ms'),
  ...m('consumer', 'heartbeatIntervalMs', int, 'heartbeat.interval.ms'),
  ...m('consumer', 'rebalanceTimeoutMs', int, 'max.poll.interval.ms'),
  ...m('consumer', 'assignors', assignors, 'partition.assignment.strategy'),
  ...m(
    'consumer',
    'autoOffsetReset',
    oneOf({
      earliest: 'earliest',
      smallest: 'earliest',
      beginning: 'earliest',
      latest: 'latest',
      largest: 'latest',
      end: 'latest',
      none: 'none',
    }),
    'auto.offset.reset',
  ),
  ...m(
    'consumer',
    'isolationLevel',
    oneOf({ read_uncommitted: 'read_uncommitted', read_committed: 'read_committed' }),
    'isolation.level',
  ),
  ...m('consumer', 'maxWaitMs', int, 'fetch.max.wait.ms', 'fetch.wait.max.ms'),
  ...m('consumer', 'minBytes', int, 'fetch.min.bytes'),
  ...m('consumer', 'maxBytes', int, 'fetch.max.bytes'),
  ...m('consumer', 'maxPartitionBytes', int, 'max.partition.fetch.bytes', 'fetch.message.max.bytes'),
  ...m('consumer', 'maxPollRecords', int, 'max.poll.records'),
]);

/** Accepted and ignored, with the reason. */
const IGNORED: Record<string, string> = {
  'key.serializer': 'the CLI sends raw bytes',
  'value.serializer': 'the CLI sends raw bytes',
  'key.deserializer': 'the CLI prints raw bytes',
  'value.deserializer': 'the CLI prints raw bytes',
  'enable.auto.commit': 'consume --group commits what it printed itself',
  'auto.commit.interval.ms': 'consume --group commits every 5 s',
  'client.dns.lookup': 'not configurable',
  'send.buffer.bytes': 'not configurable',
  'receive.buffer.bytes': 'not configurable',
  'socket.keepalive.enable': 'not configurable',
  'api.version.request': 'versions are always negotiated',
  debug: 'use GREGOR_DEBUG=1',
};

export interface ResolvedProperties {
  /** bootstrap.servers, when a property set it. */
  bootstrap?: string;
  options: Options;
}

/** A property and where it came from: a profile holds settings for every role, so it never warns. */
export type Property = readonly [name: string, value: string, source?: 'profile'];

/** The options for a client in `role`; later properties win. */
export function resolveProperties(
  properties: readonly Property[],
  role: Role,
  warn: (text: string) => void,
): ResolvedProperties {
  const options: Options = {};
  let bootstrap: string | undefined;
  for (const [name, value, source] of properties) {
    if (name === 'security.protocol' && /^plaintext$/i.test(value)) continue;
    if (name === 'security.protocol' || /^(ssl|sasl)\./.test(name) || name === 'transactional.id')
      throw new UsageError(
        `client property ${name} is not supported: gregor's client speaks PLAINTEXT, without transactions`,
      );
    if (name in IGNORED) {
      warn(`gregor: warning: client property ${name} ignored (${IGNORED[name]})`);
      continue;
    }
    const mapping = MAPPINGS.get(name);
    if (!mapping) throw new UsageError(`unknown client property '${name}'`);
    const parsed = mapping.parse(value, name);
    if (mapping.option === 'bootstrap') bootstrap = parsed as string;
    else if (mapping.role === 'all' || mapping.role === role) options[mapping.option] = parsed;
    else if (source !== 'profile')
      warn(`gregor: warning: client property ${name} ignored (a ${mapping.role} setting; this command is a ${role})`);
  }
  return bootstrap === undefined ? { options } : { bootstrap, options };
}

/** Kafka's .properties files: key=value or key:value lines, # and ! comments. */
export function parseProperties(text: string, source: string): [string, string][] {
  const out: [string, string][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) return;
    const at = line.search(/[=:]/);
    if (at <= 0) throw new UsageError(`${source}:${i + 1}: expected key=value, got '${line}'`);
    out.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  });
  return out;
}
