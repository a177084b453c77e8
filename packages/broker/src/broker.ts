/**
 * The broker: configuration, metadata, partitions, request handlers and the socket server,
 * put together. `Broker.start` is what `npm start` and the test kit call.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import type { BrokerConfig } from './config/broker-config.js';
import { GroupCoordinator } from './coordinator/coordinator.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { HANDLERS } from './handlers/index.js';
import type { Handler } from './handlers/handler.js';
import { EmbeddedMetadataStore } from './metadata/embedded-metadata-store.js';
import { loadOrCreateMetaProperties } from './metadata/meta-properties.js';
import type { BrokerInfo, MetadataStore } from './metadata/metadata-store.js';
import { BrokerMetrics } from './metrics.js';
import { planOpenFiles, readOpenFilesLimit } from './open-files.js';
import { ProducerIdManager } from './partition/producer-ids.js';
import { ReplicaManager } from './partition/replica-manager.js';
import { Connection } from './server/connection.js';

export class Broker {
  readonly handlers: ReadonlyMap<number, Handler>;
  readonly metrics: BrokerMetrics;
  readonly fetchSessions = new FetchSessionCache();
  readonly producerIds: ProducerIdManager;
  /** Consumer groups and committed offsets; started after the partitions, closed before them. */
  readonly groups: GroupCoordinator;
  private readonly connections = new Set<Connection>();
  private connectionCount = 0;
  private stopping: Promise<void> | undefined;
  metricsPort = -1;

  private constructor(
    readonly config: BrokerConfig,
    readonly logger: Logger,
    readonly metadata: MetadataStore,
    readonly replicas: ReplicaManager,
    private readonly server: Server,
    /** The port actually bound (the listener's, or the one picked for port 0). */
    readonly port: number,
  ) {
    this.handlers = new Map(HANDLERS.map((h) => [h.apiKey, h as Handler]));
    this.metrics = new BrokerMetrics(() => replicas.logs.sizes());
    this.producerIds = new ProducerIdManager(metadata);
    this.groups = new GroupCoordinator(config, metadata, replicas, logger);
    this.groups.start();
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(
    config: BrokerConfig,
    logger: Logger = pino({ level: config.string('log.level') }),
  ): Promise<Broker> {
    const meta = loadOrCreateMetaProperties(config.logDir, config.nodeId);
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
      rack: null,
    };
    const metadata = new EmbeddedMetadataStore(config.logDir, meta.clusterId, self);
    const hosted = metadata
      .topics()
      .reduce((n, t) => n + t.partitions.filter((p) => p.replicas.includes(config.nodeId)).length, 0);
    const openFiles = planOpenFiles(config.int('log.max.open.files'), hosted, readOpenFilesLimit());
    for (const warning of openFiles.warnings) logger.warn(warning);
    let replicas: ReplicaManager;
    try {
      replicas = new ReplicaManager(config, metadata, logger, openFiles.maxOpenFiles);
      replicas.start();
    } catch (err) {
      server.close();
      throw err;
    }
    const broker = new Broker(config, logger, metadata, replicas, server, port);
    const metricsPort = config.int('metrics.port');
    if (metricsPort >= 0) broker.metricsPort = await broker.metrics.listen(listener.host, metricsPort);
    logger.info(
      {
        nodeId: config.nodeId,
        clusterId: meta.clusterId,
        listener: `${listener.host}:${port}`,
        dataDir: config.logDir,
        metricsPort: broker.metricsPort,
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
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const c of this.connections) c.close();
      await closed;
      this.groups.close();
      this.replicas.close();
      await this.metadata.close();
      await this.metrics.close();
      this.logger.info('broker stopped');
    })();
    return this.stopping;
  }
}
