/**
 * This broker's membership of a ZooKeeper-coordinated cluster (Kafka's `KafkaServer` ZooKeeper
 * start-up and `KafkaController` election): the session, the cluster id from /cluster/id, the
 * ephemeral registration in /brokers/ids (whose czxid is the broker epoch), the /controller
 * election (running the controller here when won), and the requests this broker makes of the
 * controller (AlterPartition for ISR changes, ControlledShutdown). When the session expires (a
 * long pause, a partition from ZooKeeper) every ephemeral node is gone: the broker resigns as
 * controller, opens a new session, registers again and rejoins the election.
 */
import { BrokerConnection } from '@gregor/client';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/broker-config.js';
import { ControllerChannel } from '../controller/controller-channel.js';
import { Controller } from '../controller/controller.js';
import type { BrokerInfo, PartitionState } from '../metadata/metadata-store.js';
import type { Partition } from '../partition/partition.js';
import { BrokerIdInUseError, KafkaZk } from '../zk/kafka-zk.js';
import { ZkClient } from '../zk/zk-client.js';
import { ZkMetadataStore } from './zk-metadata-store.js';

export class ZkCluster {
  readonly store: ZkMetadataStore;
  controller: Controller | undefined;
  /** This registration's epoch (the czxid of /brokers/ids/<id>). */
  brokerEpoch = -1n;
  /** The highest controller epoch seen in a request: older ones are stale. */
  controllerEpochSeen = -1;
  /** Where other brokers listen, as the controller's requests said. */
  readonly endpoints = new Map<number, { host: string; port: number }>();
  private self: BrokerInfo | undefined;
  private electing: Promise<void> = Promise.resolve();
  private toController: { id: number; conn: BrokerConnection } | undefined;
  private closed = false;

  private constructor(
    private zk: ZkClient,
    private kzk: KafkaZk,
    private readonly config: BrokerConfig,
    private readonly logger: Logger,
    clusterId: string,
  ) {
    this.store = new ZkMetadataStore(() => this.kzk, clusterId, config.nodeId, logger);
  }

  /** Connects to ZooKeeper and reads (or sets) the cluster id; the broker registers later, once listening. */
  static async connect(config: BrokerConfig, logger: Logger, proposedClusterId: string): Promise<ZkCluster> {
    const zk = await ZkClient.connect(config.string('zookeeper.connect'), {
      sessionTimeoutMs: config.int('zookeeper.session.timeout.ms'),
      connectionTimeoutMs: config.int('zookeeper.connection.timeout.ms'),
    });
    try {
      const kzk = new KafkaZk(zk);
      await kzk.ensureTopLevelPaths();
      const clusterId = await kzk.getOrCreateClusterId(proposedClusterId);
      const cluster = new ZkCluster(zk, kzk, config, logger, clusterId);
      await cluster.store.start();
      logger.info(
        { zookeeper: config.string('zookeeper.connect'), clusterId, sessionTimeoutMs: zk.sessionTimeoutMs },
        'connected to ZooKeeper',
      );
      return cluster;
    } catch (err) {
      zk.close();
      throw err;
    }
  }

  get clusterId(): string {
    return this.store.clusterId;
  }

  /** Registers this broker and joins the controller election. */
  async start(self: BrokerInfo): Promise<void> {
    this.self = self;
    await this.register();
    this.zk.onState((s) => this.onSessionState(s));
    this.reelect();
  }

  private async register(): Promise<void> {
    const self = this.self!;
    try {
      this.brokerEpoch = await this.kzk.registerBroker({
        id: self.nodeId,
        endpoints: [`PLAINTEXT://${self.host}:${self.port}`],
        securityProtocols: { PLAINTEXT: 'PLAINTEXT' },
        rack: self.rack,
        timestampMs: Date.now(),
      });
    } catch (err) {
      if (err instanceof BrokerIdInUseError)
        throw new Error(
          `broker.id ${self.nodeId} is already registered in ZooKeeper by a live broker: each broker needs a unique broker.id`,
        );
      throw err;
    }
    this.logger.info({ brokerEpoch: String(this.brokerEpoch) }, `registered as broker ${self.nodeId} in ZooKeeper`);
  }

  private onSessionState(state: string): void {
    if (state !== 'expired' || this.closed) return;
    this.logger.warn('ZooKeeper session expired: resigning, re-registering and rejoining the election');
    this.controller?.resign();
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        this.zk.close();
        this.zk = await ZkClient.connect(this.config.string('zookeeper.connect'), {
          sessionTimeoutMs: this.config.int('zookeeper.session.timeout.ms'),
          connectionTimeoutMs: this.config.int('zookeeper.connection.timeout.ms'),
        });
        this.kzk = new KafkaZk(this.zk);
        this.zk.onState((s) => this.onSessionState(s));
        await this.register();
        await this.store.start();
        this.reelect();
        return;
      } catch (err) {
        this.logger.warn({ err, attempt }, 'reconnecting to ZooKeeper failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private reelect(): void {
    this.electing = this.electing
      .then(() => this.elect())
      .catch((err: unknown) => {
        if (!this.closed) this.logger.warn({ err }, 'controller election failed; retrying');
        if (!this.closed) setTimeout(() => this.reelect(), 1000).unref();
      });
  }

  private async elect(): Promise<void> {
    if (this.closed || this.controller?.isActive) return;
    const current = await this.kzk.controllerId(() => this.reelect());
    if (current !== -1) return;
    const epoch = await this.kzk.tryElectController(this.config.nodeId, Date.now());
    if (!epoch) return;
    const channel = new ControllerChannel(
      this.config.nodeId,
      this.logger,
      this.config.int('controller.socket.timeout.ms'),
    );
    const controller = new Controller(
      {
        selfId: this.config.nodeId,
        kzk: this.kzk,
        channel,
        logger: this.logger,
        uncleanAllowed: async (topic) => {
          const override = (await this.kzk.entityConfigs('topics', topic))['unclean.leader.election.enable'];
          return (override ?? this.config.string('unclean.leader.election.enable')) === 'true';
        },
        autoLeaderRebalance: {
          enabled: this.config.bool('auto.leader.rebalance.enable'),
          intervalMs: this.config.int('leader.imbalance.check.interval.seconds') * 1000,
        },
      },
      () => {
        if (this.controller === controller) this.controller = undefined;
        this.reelect();
      },
    );
    this.controller = controller;
    const unsubscribe = this.store.subscribe((e) => {
      if (!controller.isActive) return unsubscribe();
      const enabled =
        e.type === 'topic-configs-changed'
          ? e.topic.configs['unclean.leader.election.enable'] === 'true'
          : e.type === 'broker-configs-changed' && e.configs['unclean.leader.election.enable'] === 'true';
      if (enabled)
        controller
          .uncleanElectionEnabled(e.type === 'topic-configs-changed' ? e.topic.name : undefined)
          .catch(() => undefined);
    });
    await controller.activate(epoch);
  }

  // ---- requests to the controller ----

  private async controllerConnection(): Promise<BrokerConnection> {
    const id = this.store.controllerId();
    const at = this.endpoints.get(id) ?? this.store.brokers().find((b) => b.nodeId === id);
    if (id < 0 || !at) throw new Error('no controller known yet');
    if (this.toController && this.toController.id === id && !this.toController.conn.isClosed)
      return this.toController.conn;
    this.toController?.conn.close();
    const conn = new BrokerConnection({
      host: at.host,
      port: at.port,
      clientId: `gregor-broker-${this.config.nodeId}`,
      connectTimeoutMs: 10_000,
      requestTimeoutMs: this.config.int('controller.socket.timeout.ms'),
      maxInFlightRequests: 5,
    });
    this.toController = { id, conn };
    return conn;
  }

  /** AlterPartition: asks the controller to make `isr` the ISR of a partition this broker leads. */
  async alterIsr(partition: Partition, isr: number[]): Promise<PartitionState | undefined> {
    const conn = await this.controllerConnection();
    const res = await conn.send(ApiKey.AlterPartition, {
      brokerId: this.config.nodeId,
      brokerEpoch: this.brokerEpoch,
      topics: [
        {
          topicName: partition.topic,
          partitions: [
            {
              partitionIndex: partition.index,
              leaderEpoch: partition.leaderEpoch,
              newIsr: isr,
              partitionEpoch: partition.state.partitionEpoch ?? 0,
            },
          ],
        },
      ],
    });
    const r = res.topics[0]?.partitions[0];
    if (res.errorCode !== ErrorCode.NONE || !r || r.errorCode !== ErrorCode.NONE) {
      this.logger.info(
        { topic: partition.topic, partition: partition.index, isr, error: r?.errorCode ?? res.errorCode },
        'the controller refused an ISR change',
      );
      return undefined;
    }
    return {
      partition: partition.index,
      leader: r.leaderId,
      leaderEpoch: r.leaderEpoch,
      isr: r.isr,
      replicas: partition.state.replicas,
      partitionEpoch: r.partitionEpoch,
    };
  }

  /**
   * Controlled shutdown: asks the controller to move leadership away, retrying while partitions
   * remain (`controlled.shutdown.max.retries`). Returns whether all moved.
   */
  async controlledShutdown(): Promise<boolean> {
    const retries = this.config.int('controlled.shutdown.max.retries');
    const backoff = this.config.int('controlled.shutdown.retry.backoff.ms');
    // The last broker standing has nowhere to move leadership: retrying would only delay the stop.
    if (!this.store.brokers().some((b) => b.nodeId !== this.config.nodeId)) {
      this.logger.info('controlled shutdown skipped: no other live broker to move leadership to');
      return false;
    }
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const { errorCode, remaining } = await this.requestControlledShutdown();
        if (errorCode === ErrorCode.NONE && remaining === 0) return true;
        this.logger.info({ remaining, error: errorCode }, 'controlled shutdown incomplete; retrying');
      } catch (err) {
        this.logger.warn({ err }, 'controlled shutdown request failed');
      }
      await new Promise((r) => setTimeout(r, Math.min(backoff, 1000 * (attempt + 1))));
    }
    return false;
  }

  /**
   * One ControlledShutdown request; the controller's own broker asks it in-process, since its
   * listener already refuses new connections while it stops.
   */
  private async requestControlledShutdown(): Promise<{ errorCode: number; remaining: number }> {
    if (this.controller?.isActive) {
      const res = await this.controller.controlledShutdown(this.config.nodeId);
      return { errorCode: res.errorCode, remaining: res.remaining.length };
    }
    const conn = await this.controllerConnection();
    const res = await conn.send(ApiKey.ControlledShutdown, {
      brokerId: this.config.nodeId,
      brokerEpoch: this.brokerEpoch,
    });
    return { errorCode: res.errorCode, remaining: res.remainingPartitions.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.controller?.resign();
    this.toController?.conn.close();
    await this.store.close();
    this.zk.close();
  }
}
