/**
 * The broker: configuration, metadata, partitions, request handlers and the socket server,
 * put together. `Broker.start` is what `npm start` and the test kit call.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { BrokerConfig } from './config/broker-config.js';
import { prepareDataDir } from './config/data-dir.js';
import { GroupCoordinator } from './coordinator/coordinator.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { CLUSTER_HANDLERS, HANDLERS } from './handlers/index.js';
import type { Handler } from './handlers/handler.js';
import { ZkCluster } from './cluster/zk-cluster.js';
import { EmbeddedMetadataStore } from './metadata/embedded-metadata-store.js';
import { loadOrCreateMetaProperties, newClusterId } from './metadata/meta-properties.js';
import type { BrokerInfo, MetadataStore } from './metadata/metadata-store.js';
import { createLogger } from './logging.js';
import { BrokerMetrics, type MetricsView } from './metrics.js';
import { planOpenFiles, readOpenFilesLimit } from './open-files.js';
import { OpsServer, type Readiness } from './ops-server.js';
import { ProducerIdManager } from './partition/producer-ids.js';
import { ReplicaFetcherManager } from './partition/replica-fetcher.js';
import { ReplicaManager } from './partition/replica-manager.js';
import { Connection } from './server/connection.js';

export class Broker {
  readonly handlers: ReadonlyMap<number, Handler>;
  readonly fetchSessions = new FetchSessionCache();
  readonly producerIds: ProducerIdManager;
  /** Consumer groups and committed offsets; started after the partitions, closed before them. */
  readonly groups: GroupCoordinator;
  private readonly connections = new Set<Connection>();
  private connectionCount = 0;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: BrokerConfig,
    readonly logger: Logger,
    readonly metadata: MetadataStore,
    readonly replicas: ReplicaManager,
    private readonly server: Server,
    /** The port actually bound (the listener's, or the one picked for port 0). */
    readonly port: number,
    readonly metrics: BrokerMetrics,
    private readonly ops: OpsServer | undefined,
    /** The port of /metrics, /health and /ready, or -1 when metrics.port is off. */
    readonly metricsPort: number,
    /** Cluster mode (zookeeper.connect): membership, the controller when elected here. */
    readonly cluster: ZkCluster | undefined,
    /** Cluster mode: the loops fetching from leaders of partitions this broker follows. */
    readonly fetchers: ReplicaFetcherManager | undefined,
  ) {
    this.handlers = new Map([...HANDLERS, ...(cluster ? CLUSTER_HANDLERS : [])].map((h) => [h.apiKey, h as Handler]));
    metrics.attach(this.metricsView());
    this.producerIds = new ProducerIdManager(metadata);
    this.groups = new GroupCoordinator(config, metadata, replicas, logger);
    this.groups.start();
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(config: BrokerConfig, logger: Logger = createLogger(config)): Promise<Broker> {
    for (const warning of config.warnings) logger.warn(warning);
    prepareDataDir(config.logDir);
    const listener = config.listeners[0]!;
    // The ops endpoint comes up first, so /ready can answer 503 while the logs load.
    const metrics = new BrokerMetrics();
    let broker: Broker | undefined;
    let ops: OpsServer | undefined;
    let metricsPort = -1;
    if (config.int('metrics.port') >= 0) {
      ops = new OpsServer(metrics.registry, () => broker?.readiness() ?? { ready: false, reason: 'loading logs' });
      metricsPort = await ops.listen(listener.host, config.int('metrics.port'));
      logger.info({ metricsPort }, 'serving /metrics, /health and /ready');
    }
    try {
      broker = await Broker.open(config, logger, metrics, ops, metricsPort);
    } catch (err) {
      await ops?.close();
      throw err;
    }
    return broker;
  }

  private static async open(
    config: BrokerConfig,
    logger: Logger,
    metrics: BrokerMetrics,
    ops: OpsServer | undefined,
    metricsPort: number,
  ): Promise<Broker> {
    let cluster: ZkCluster | undefined;
    if (config.string('zookeeper.connect') !== '') cluster = await ZkCluster.connect(config, logger, newClusterId());
    let meta;
    try {
      meta = loadOrCreateMetaProperties(config.logDir, config.nodeId, cluster?.clusterId);
    } catch (err) {
      await cluster?.close();
      throw err;
    }
    const listener = config.listeners[0]!;
    const server = createServer({ noDelay: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listener.port, listener.host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : listener.port);
      });
    });
    const advertised = config.advertisedListeners[0]!;
    const self: BrokerInfo = {
      nodeId: config.nodeId,
      host: advertised.host === '0.0.0.0' ? '127.0.0.1' : advertised.host,
      port: advertised.port === 0 || advertised === listener ? port : advertised.port,
      rack: config.string('broker.rack') || null,
    };
    const metadata = cluster ? cluster.store : new EmbeddedMetadataStore(config.logDir, meta.clusterId, self);
    const hosted = metadata
      .topics()
      .reduce((n, t) => n + t.partitions.filter((p) => p.replicas.includes(config.nodeId)).length, 0);
    const openFiles = planOpenFiles(config.int('log.max.open.files'), hosted, readOpenFilesLimit());
    for (const warning of openFiles.warnings) logger.warn(warning);
    let replicas: ReplicaManager;
    try {
      replicas = new ReplicaManager(config, metadata, logger, {
        maxOpenFiles: openFiles.maxOpenFiles,
        ...(cluster
          ? {
              cluster: {
                alterIsr: (p, isr) => cluster.alterIsr(p, isr),
                isrChanged: (p, before, after) =>
                  (after.length < before.length ? metrics.isrShrinks : metrics.isrExpands).inc({ topic: p.topic }),
              },
            }
          : {}),
      });
      replicas.start();
    } catch (err) {
      server.close();
      await cluster?.close();
      throw err;
    }
    const fetchers = cluster
      ? new ReplicaFetcherManager(config.nodeId, config, logger, (id) => cluster.endpoints.get(id))
      : undefined;
    const broker = new Broker(
      config,
      logger,
      metadata,
      replicas,
      server,
      port,
      metrics,
      ops,
      metricsPort,
      cluster,
      fetchers,
    );
    if (cluster) {
      try {
        await cluster.start(self);
      } catch (err) {
        await broker.stop();
        throw err;
      }
    }
    logger.info(
      {
        nodeId: config.nodeId,
        clusterId: meta.clusterId,
        ...(cluster ? { zookeeper: config.string('zookeeper.connect') } : {}),
        listener: `${listener.host}:${port}`,
        dataDir: config.logDir,
        metricsPort,
      },
      'broker started',
    );
    return broker;
  }

  get clusterId(): string {
    return this.metadata.clusterId;
  }

  /** The API keys and versions this broker serves, straight from the handler registry. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** For /ready: serving once started, until shutdown begins. */
  readiness(): Readiness {
    if (this.stopping) return { ready: false, reason: 'shutting down' };
    if (!this.server.listening) return { ready: false, reason: 'the listener is not accepting connections' };
    if (this.groups.isLoading()) return { ready: false, reason: 'loading consumer group offsets' };
    return { ready: true };
  }

  private metricsView(): MetricsView {
    return {
      partitions: () =>
        this.replicas.allPartitions().map((p) => ({
          topic: p.topic,
          partition: p.index,
          logStartOffset: p.log.logStartOffset,
          logEndOffset: p.log.logEndOffset,
          highWatermark: p.log.highWatermark,
          sizeBytes: p.log.size,
        })),
      replication: () => {
        const led = this.replicas.allPartitions().filter((p) => p.isLeader);
        const controller = this.cluster?.controller;
        return {
          underReplicated: led.filter((p) => p.state.isr.length < p.state.replicas.length).length,
          underMinIsr: led.filter((p) => p.state.isr.length < p.settings.minInsyncReplicas).length,
          activeController: controller?.isActive || !this.cluster ? 1 : 0,
          offlinePartitions: controller?.isActive
            ? controller.state.allPartitions().filter((p) => p.leader < 0).length
            : 0,
          followerLag: led.flatMap((p) =>
            p
              .followerOffsets()
              .filter((f) => f.logEndOffset >= 0)
              .map((f) => ({
                topic: p.topic,
                partition: p.index,
                replica: f.replicaId,
                lag: Math.max(0, p.log.logEndOffset - f.logEndOffset),
              })),
          ),
        };
      },
      committedOffsets: () =>
        this.groups.offsets
          .groupIds()
          .flatMap((group) =>
            this.groups.offsets
              .all(group)
              .map((c) => ({ group, topic: c.topic, partition: c.partition, offset: c.committed.offset })),
          ),
    };
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this, this.logger, ++this.connectionCount);
    this.connections.add(connection);
    this.metrics.connections.set(this.connections.size);
  }

  connectionClosed(connection: Connection): void {
    this.connections.delete(connection);
    this.metrics.connections.set(this.connections.size);
  }

  /** Graceful shutdown: stop accepting, close connections, flush and close every log cleanly. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info('broker stopping');
      if (this.cluster && this.config.bool('controlled.shutdown.enable') && this.cluster.brokerEpoch >= 0n) {
        const moved = await this.cluster.controlledShutdown();
        this.logger.info(
          moved
            ? 'controlled shutdown complete: no partitions led here'
            : 'controlled shutdown incomplete; stopping anyway',
        );
      }
      this.fetchers?.close();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const c of this.connections) c.close();
      await closed;
      this.groups.close();
      this.replicas.close();
      await this.cluster?.close();
      if (!this.cluster) await this.metadata.close();
      await this.ops?.close();
      this.logger.info('broker stopped');
    })();
    return this.stopping;
  }
}
