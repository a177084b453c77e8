/**
 * Kafka's ZooKeeper layout (Kafka 2.x ZooKeeper mode): the paths and the JSON each znode holds,
 * written and read exactly as Kafka's `ZkData` does, so tools that read Kafka's layout see a
 * Gregor cluster as a Kafka cluster. Pure functions: no I/O.
 *
 *   /cluster/id                                     {"version":"1","id":"<cluster id>"}
 *   /controller                     (ephemeral)     {"version":1,"brokerid":1,"timestamp":"<ms>"}
 *   /controller_epoch                               "<epoch>"
 *   /brokers/ids/<id>               (ephemeral)     endpoints, host, port, rack, timestamp (version 5)
 *   /brokers/topics/<t>                             {"version":3,"topic_id":…,"partitions":{"0":[1,2]},
 *                                                    "adding_replicas":{},"removing_replicas":{}}
 *   /brokers/topics/<t>/partitions/<p>/state        {"controller_epoch":1,"leader":1,"version":1,
 *                                                    "leader_epoch":0,"isr":[1,2]}
 *   /config/<type>/<name>                           {"version":1,"config":{…}}
 *   /config/changes/config_change_<seq>             {"version":2,"entity_path":"topics/t"}
 *   /admin/delete_topics/<t>                        (empty)
 *   /admin/reassign_partitions                      {"version":1,"partitions":[{"topic","partition","replicas"}]}
 *   /isr_change_notification/isr_change_<seq>       {"version":1,"partitions":[{"topic","partition"}]}
 *   /latest_producer_id_block                       {"version":1,"broker":1,"block_start":"0","block_end":"999"}
 */

export const ZkPaths = {
  clusterId: '/cluster/id',
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  brokerIds: '/brokers/ids',
  broker: (id: number) => `/brokers/ids/${id}`,
  brokerSeqId: '/brokers/seqid',
  topics: '/brokers/topics',
  topic: (t: string) => `/brokers/topics/${t}`,
  partitions: (t: string) => `/brokers/topics/${t}/partitions`,
  partition: (t: string, p: number) => `/brokers/topics/${t}/partitions/${p}`,
  partitionState: (t: string, p: number) => `/brokers/topics/${t}/partitions/${p}/state`,
  configs: (entityType: ConfigEntityType) => `/config/${entityType}`,
  config: (entityType: ConfigEntityType, name: string) => `/config/${entityType}/${name}`,
  configChanges: '/config/changes',
  configChangePrefix: '/config/changes/config_change_',
  deleteTopics: '/admin/delete_topics',
  deleteTopic: (t: string) => `/admin/delete_topics/${t}`,
  reassignPartitions: '/admin/reassign_partitions',
  preferredReplicaElection: '/admin/preferred_replica_election',
  isrChangeNotifications: '/isr_change_notification',
  isrChangePrefix: '/isr_change_notification/isr_change_',
  logDirEventNotifications: '/log_dir_event_notification',
  latestProducerIdBlock: '/latest_producer_id_block',
} as const;

/** The persistent paths Kafka creates at start-up (`KafkaZkClient.createTopLevelPaths`). */
export const PERSISTENT_PATHS = [
  '/consumers',
  ZkPaths.brokerIds,
  ZkPaths.topics,
  ZkPaths.configChanges,
  '/config/topics',
  '/config/clients',
  '/config/users',
  '/config/brokers',
  '/config/ips',
  ZkPaths.deleteTopics,
  ZkPaths.brokerSeqId,
  ZkPaths.isrChangeNotifications,
  ZkPaths.logDirEventNotifications,
];

export type ConfigEntityType = 'topics' | 'brokers' | 'clients' | 'users' | 'ips';

export class ZkDataError extends Error {
  constructor(path: string, why: string) {
    super(`unexpected data at ${path}: ${why}`);
    this.name = 'ZkDataError';
  }
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function parse(path: string, data: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ZkDataError(path, 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ZkDataError(path, 'not an object');
  return value as Record<string, unknown>;
}

function int(path: string, o: Record<string, unknown>, field: string): number {
  const v = o[field];
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ZkDataError(path, `${field} is not an integer`);
  return n;
}

function ints(path: string, v: unknown, field: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x)))
    throw new ZkDataError(path, `${field} is not a list of integers`);
  return v as number[];
}

// ---- cluster id and controller ----

export const ClusterIdZNode = {
  encode: (id: string): Buffer => json({ version: '1', id }),
  decode(data: Buffer): string {
    const o = parse(ZkPaths.clusterId, data);
    if (typeof o.id !== 'string' || !o.id) throw new ZkDataError(ZkPaths.clusterId, 'no id');
    return o.id;
  },
};

export const ControllerZNode = {
  encode: (brokerId: number, timestampMs: number): Buffer =>
    json({ version: 1, brokerid: brokerId, timestamp: String(timestampMs) }),
  decode: (data: Buffer): number => int(ZkPaths.controller, parse(ZkPaths.controller, data), 'brokerid'),
};

export const ControllerEpochZNode = {
  encode: (epoch: number): Buffer => Buffer.from(String(epoch)),
  decode(data: Buffer): number {
    const n = Number(data.toString('utf8'));
    if (!Number.isInteger(n)) throw new ZkDataError(ZkPaths.controllerEpoch, 'not an integer');
    return n;
  },
};

// ---- brokers ----

export interface BrokerRegistration {
  id: number;
  /** `LISTENER://host:port` per listener, the first being the one clients and brokers use. */
  endpoints: string[];
  /** Listener name → security protocol. */
  securityProtocols: Record<string, string>;
  rack: string | null;
  timestampMs: number;
}

export interface Endpoint {
  listener: string;
  host: string;
  port: number;
}

export function parseEndpoint(endpoint: string): Endpoint {
  const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(endpoint);
  if (!m) throw new Error(`not an endpoint: '${endpoint}'`);
  return { listener: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

export const BrokerIdZNode = {
  encode(b: BrokerRegistration): Buffer {
    const first = parseEndpoint(b.endpoints[0]!);
    return json({
      features: {},
      listener_security_protocol_map: b.securityProtocols,
      endpoints: b.endpoints,
      rack: b.rack,
      jmx_port: -1,
      // host and port repeat the PLAINTEXT endpoint for pre-0.10 readers, as Kafka writes them.
      host: first.listener === 'PLAINTEXT' ? first.host : null,
      port: first.listener === 'PLAINTEXT' ? first.port : -1,
      timestamp: String(b.timestampMs),
      version: 5,
    });
  },
  decode(id: number, data: Buffer): BrokerRegistration {
    const path = ZkPaths.broker(id);
    const o = parse(path, data);
    const endpoints = o.endpoints;
    if (!Array.isArray(endpoints) || endpoints.length === 0 || endpoints.some((e) => typeof e !== 'string'))
      throw new ZkDataError(path, 'no endpoints');
    const protocols = (o.listener_security_protocol_map ?? {}) as Record<string, string>;
    return {
      id,
      endpoints: endpoints as string[],
      securityProtocols: protocols,
      rack: typeof o.rack === 'string' ? o.rack : null,
      timestampMs: Number(o.timestamp ?? 0),
    };
  },
};

// ---- topics and partitions ----

export interface TopicAssignment {
  topicId: string | null;
  /** Partition → replica broker ids, in preference order. */
  partitions: Map<number, number[]>;
  addingReplicas: Map<number, number[]>;
  removingReplicas: Map<number, number[]>;
}

function partitionMap(path: string, v: unknown, field: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (v === undefined || v === null) return out;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ZkDataError(path, `${field} is not an object`);
  for (const [k, replicas] of Object.entries(v)) {
    const p = Number(k);
    if (!Number.isInteger(p) || p < 0) throw new ZkDataError(path, `${field} has partition '${k}'`);
    out.set(p, ints(path, replicas, `${field}.${k}`));
  }
  return out;
}

const objectOf = (m: Map<number, number[]>) =>
  Object.fromEntries([...m.entries()].sort((a, b) => a[0] - b[0]).map(([p, r]) => [String(p), r]));

export const TopicZNode = {
  encode: (a: TopicAssignment): Buffer =>
    json({
      version: 3,
      ...(a.topicId ? { topic_id: a.topicId } : {}),
      partitions: objectOf(a.partitions),
      adding_replicas: objectOf(a.addingReplicas),
      removing_replicas: objectOf(a.removingReplicas),
    }),
  decode(topic: string, data: Buffer): TopicAssignment {
    const path = ZkPaths.topic(topic);
    const o = parse(path, data);
    return {
      topicId: typeof o.topic_id === 'string' ? o.topic_id : null,
      partitions: partitionMap(path, o.partitions, 'partitions'),
      addingReplicas: partitionMap(path, o.adding_replicas, 'adding_replicas'),
      removingReplicas: partitionMap(path, o.removing_replicas, 'removing_replicas'),
    };
  },
};

/** Leader and ISR of a partition as the controller last wrote them. */
export interface LeaderIsr {
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
}

export const PartitionStateZNode = {
  encode: (s: LeaderIsr): Buffer =>
    json({
      controller_epoch: s.controllerEpoch,
      leader: s.leader,
      version: 1,
      leader_epoch: s.leaderEpoch,
      isr: s.isr,
    }),
  decode(topic: string, partition: number, data: Buffer): LeaderIsr {
    const path = ZkPaths.partitionState(topic, partition);
    const o = parse(path, data);
    return {
      leader: int(path, o, 'leader'),
      leaderEpoch: int(path, o, 'leader_epoch'),
      isr: ints(path, o.isr, 'isr'),
      controllerEpoch: int(path, o, 'controller_epoch'),
    };
  },
};

// ---- configs ----

export const ConfigZNode = {
  encode: (config: Record<string, string>): Buffer => json({ version: 1, config }),
  decode(path: string, data: Buffer): Record<string, string> {
    const o = parse(path, data);
    const config = o.config ?? {};
    if (typeof config !== 'object' || Array.isArray(config) || config === null)
      throw new ZkDataError(path, 'config is not an object');
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
  },
};

export const ConfigChangeZNode = {
  encode: (entityType: ConfigEntityType, name: string): Buffer =>
    json({ version: 2, entity_path: `${entityType}/${name}` }),
  decode(path: string, data: Buffer): { entityType: ConfigEntityType; name: string } {
    const o = parse(path, data);
    const entityPath = o.entity_path;
    if (typeof entityPath !== 'string' || !entityPath.includes('/')) throw new ZkDataError(path, 'no entity_path');
    const slash = entityPath.indexOf('/');
    return { entityType: entityPath.slice(0, slash) as ConfigEntityType, name: entityPath.slice(slash + 1) };
  },
};

// ---- admin requests and notifications ----

export interface TopicPartitionReplicas {
  topic: string;
  partition: number;
  replicas: number[];
}

export const ReassignPartitionsZNode = {
  encode: (moves: TopicPartitionReplicas[]): Buffer => json({ version: 1, partitions: moves }),
  decode(data: Buffer): TopicPartitionReplicas[] {
    const path = ZkPaths.reassignPartitions;
    const list = parse(path, data).partitions;
    if (!Array.isArray(list)) throw new ZkDataError(path, 'partitions is not a list');
    return list.map((e: Record<string, unknown>) => {
      if (typeof e.topic !== 'string') throw new ZkDataError(path, 'an entry has no topic');
      return { topic: e.topic, partition: int(path, e, 'partition'), replicas: ints(path, e.replicas, 'replicas') };
    });
  },
};

export const IsrChangeNotificationZNode = {
  encode: (partitions: { topic: string; partition: number }[]): Buffer => json({ version: 1, partitions }),
  decode(path: string, data: Buffer): { topic: string; partition: number }[] {
    const list = parse(path, data).partitions;
    if (!Array.isArray(list)) throw new ZkDataError(path, 'partitions is not a list');
    return list.map((e: Record<string, unknown>) => {
      if (typeof e.topic !== 'string') throw new ZkDataError(path, 'an entry has no topic');
      return { topic: e.topic, partition: int(path, e, 'partition') };
    });
  },
};

export interface ProducerIdBlock {
  brokerId: number;
  /** First and last id of the block, inclusive. */
  start: bigint;
  end: bigint;
}

export const ProducerIdBlockZNode = {
  encode: (b: ProducerIdBlock): Buffer =>
    json({ version: 1, broker: b.brokerId, block_start: b.start.toString(), block_end: b.end.toString() }),
  decode(data: Buffer): ProducerIdBlock {
    const path = ZkPaths.latestProducerIdBlock;
    const o = parse(path, data);
    try {
      return {
        brokerId: int(path, o, 'broker'),
        start: BigInt(String(o.block_start)),
        end: BigInt(String(o.block_end)),
      };
    } catch (err) {
      if (err instanceof ZkDataError) throw err;
      throw new ZkDataError(path, 'block_start/block_end are not integers');
    }
  },
};
