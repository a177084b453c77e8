/**
 * The options of `gregor local-cluster` and the Kafka settings each broker gets from them: the
 * same `--override key=value` flags a person would pass to `npm start` by hand.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';

export interface LocalClusterOptions {
  brokers: number;
  basePort: number;
  zookeeperPort: number;
  /** An existing ensemble (host:port[,…][/chroot]) instead of starting ZooKeeper. */
  zookeeper?: string;
  dataDir: string;
  override?: [string, string][];
  rackAware?: boolean;
  logLevel: string;
}

export const HOST = '127.0.0.1';

/** Settings local-cluster sets per broker, with the option that controls each instead. */
const RESERVED: Record<string, string> = {
  'broker.id': 'brokers are numbered 1 to --brokers',
  'node.id': 'brokers are numbered 1 to --brokers',
  listeners: 'use --base-port',
  'advertised.listeners': 'use --base-port',
  'log.dirs': 'use --data-dir',
  'log.dir': 'use --data-dir',
  'zookeeper.connect': 'use --zookeeper',
  'log.format': 'local-cluster renders the brokers’ logs itself',
};

export interface ClusterPlan {
  dataDir: string;
  zookeeperDataDir: string;
  brokers: { id: number; port: number; dataDir: string }[];
  /** Settings every broker gets, after its own (broker.id, listeners, log.dirs, zookeeper.connect). */
  overrides: Record<string, string>;
}

export function planCluster(o: LocalClusterOptions): ClusterPlan {
  const overrides: Record<string, string> = {};
  for (const [key, value] of o.override ?? []) {
    const why = RESERVED[key];
    if (why) throw new UsageError(`--override ${key}: local-cluster sets it for each broker (${why})`);
    overrides[key] = value;
  }
  const last = o.basePort + o.brokers - 1;
  if (last > 65535) throw new UsageError(`--base-port ${o.basePort} leaves no room for ${o.brokers} brokers`);
  if (!o.zookeeper && o.zookeeperPort >= o.basePort && o.zookeeperPort <= last)
    throw new UsageError(`--zookeeper-port ${o.zookeeperPort} is one of the brokers' ports (${o.basePort}-${last})`);
  const dataDir = resolve(o.dataDir);
  return {
    dataDir,
    zookeeperDataDir: resolve(dataDir, 'zookeeper'),
    brokers: Array.from({ length: o.brokers }, (_, i) => ({
      id: i + 1,
      port: o.basePort + i,
      dataDir: resolve(dataDir, `broker-${i + 1}`),
    })),
    overrides,
  };
}

/** The `--override` settings of one broker. */
export function brokerSettings(
  plan: ClusterPlan,
  broker: ClusterPlan['brokers'][number],
  zookeeperConnect: string,
  o: LocalClusterOptions,
): Record<string, string> {
  return {
    'broker.id': String(broker.id),
    'zookeeper.connect': zookeeperConnect,
    listeners: `PLAINTEXT://${HOST}:${broker.port}`,
    'log.dirs': broker.dataDir,
    'log.level': o.logLevel,
    ...(o.rackAware ? { 'broker.rack': `rack-${broker.id}` } : {}),
    ...plan.overrides,
    'log.format': 'json',
  };
}
