/**
 * Broker settings of cluster mode (ZooKeeper coordination, the controller, replication), with
 * Kafka's names and defaults. Without `zookeeper.connect` the broker runs alone and these are unused.
 */
const atLeast = (min: number) => (v: unknown) => ((v as number) < min ? `must be at least ${min}` : undefined);

export const CLUSTER_CONFIG = {
  'zookeeper.connect': {
    kind: 'string',
    default: '',
    doc: 'ZooKeeper ensemble host:port[,host:port…][/chroot]; empty runs one broker with embedded metadata',
  },
  'zookeeper.session.timeout.ms': {
    kind: 'int',
    default: '18000',
    doc: 'ZooKeeper session timeout: how long a silent broker stays registered',
    check: atLeast(1),
  },
  'zookeeper.connection.timeout.ms': {
    kind: 'int',
    default: '18000',
    doc: 'How long to wait for the first ZooKeeper connection at start (defaults to the session timeout)',
    check: atLeast(1),
  },
  'broker.rack': { kind: 'string', default: '', doc: 'Rack (zone) of this broker, for rack-aware replica placement' },
  'num.replica.fetchers': {
    kind: 'int',
    default: '1',
    doc: 'Fetcher loops per source broker that replicate into this broker',
    check: atLeast(1),
  },
  'replica.fetch.max.bytes': {
    kind: 'int',
    default: String(1024 * 1024),
    doc: 'Bytes a follower asks for per partition in each fetch',
    check: atLeast(1),
  },
  'replica.fetch.response.max.bytes': {
    kind: 'int',
    default: String(10 * 1024 * 1024),
    doc: 'Bytes a follower asks for per fetch response',
    check: atLeast(1),
  },
  'replica.fetch.wait.max.ms': {
    kind: 'int',
    default: '500',
    doc: 'Longest a follower fetch waits at the leader for new data',
    check: atLeast(0),
  },
  'replica.fetch.backoff.ms': {
    kind: 'int',
    default: '1000',
    doc: 'Pause after a follower fetch fails',
    check: atLeast(0),
  },
  'replica.lag.time.max.ms': {
    kind: 'long',
    default: '30000',
    doc: 'A follower that has not caught up for this long leaves the ISR',
    check: atLeast(1),
  },
  'offsets.topic.replication.factor': {
    kind: 'int',
    default: '3',
    doc: 'Replication factor of __consumer_offsets (capped by the live brokers when the topic is created)',
    check: atLeast(1),
  },
  'controlled.shutdown.enable': {
    kind: 'boolean',
    default: 'true',
    doc: 'On SIGTERM, move leadership away through the controller before stopping',
  },
  'controlled.shutdown.max.retries': {
    kind: 'int',
    default: '3',
    doc: 'Controlled shutdown attempts',
    check: atLeast(0),
  },
  'controlled.shutdown.retry.backoff.ms': {
    kind: 'long',
    default: '5000',
    doc: 'Pause between controlled shutdown attempts',
    check: atLeast(0),
  },
  'auto.leader.rebalance.enable': {
    kind: 'boolean',
    default: 'true',
    doc: 'The controller moves leadership back to preferred replicas when imbalanced',
  },
  'leader.imbalance.check.interval.seconds': {
    kind: 'long',
    default: '300',
    doc: 'How often the controller checks leader imbalance',
    check: atLeast(1),
  },
  'leader.imbalance.per.broker.percentage': {
    kind: 'int',
    default: '10',
    doc: 'Imbalance (% of a broker’s preferred partitions led elsewhere) that triggers a rebalance',
    check: atLeast(0),
  },
  'controller.socket.timeout.ms': {
    kind: 'int',
    default: '30000',
    doc: 'Timeout of the controller’s requests to brokers',
    check: atLeast(1),
  },
} as const;
