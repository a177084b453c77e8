/**
 * The cluster operations Kafka performs on ZooKeeper (Kafka's `KafkaZkClient`), in Kafka's
 * layout (zk-data.ts): cluster id, broker registration with broker epochs, controller election
 * fenced by the controller epoch, topic assignments, partition states written only on the
 * version read, configs with change notifications, topic deletion markers and producer id
 * blocks. Every write the controller makes carries a check of `/controller_epoch`'s version, so a
 * deposed controller's writes fail instead of landing (as Kafka's controller does with its
 * epoch's zkVersion).
 */
import {
  BrokerIdZNode,
  ClusterIdZNode,
  ConfigChangeZNode,
  ConfigZNode,
  ControllerEpochZNode,
  ControllerZNode,
  PartitionStateZNode,
  PERSISTENT_PATHS,
  ProducerIdBlockZNode,
  TopicZNode,
  ZkPaths,
  type BrokerRegistration,
  type ConfigEntityType,
  type LeaderIsr,
  type TopicAssignment,
} from './zk-data.js';
import { ZkError, ZkErrorCode, type ZkClient, type ZkOp } from './zk-client.js';

export class BrokerIdInUseError extends Error {
  constructor(readonly brokerId: number) {
    super(
      `broker.id ${brokerId} is already registered by a live broker (/brokers/ids/${brokerId} exists); ` +
        'each broker needs a unique broker.id',
    );
    this.name = 'BrokerIdInUseError';
  }
}

/** A deposed controller tried to write: the controller epoch moved on. */
export class ControllerMovedError extends Error {
  constructor() {
    super('the controller epoch changed: this broker is no longer the controller');
    this.name = 'ControllerMovedError';
  }
}

export interface ControllerEpoch {
  epoch: number;
  /** Version of /controller_epoch, checked by every controller write. */
  zkVersion: number;
}

export interface PartitionStateRead {
  state: LeaderIsr;
  /** The znode version: the partition epoch that ISR updates must name. */
  zkVersion: number;
}

const isCode = (err: unknown, code: ZkErrorCode): boolean => err instanceof ZkError && err.code === code;

export class KafkaZk {
  constructor(readonly zk: ZkClient) {}

  /** Creates the persistent paths a Kafka cluster has (idempotent). */
  async ensureTopLevelPaths(): Promise<void> {
    for (const path of PERSISTENT_PATHS) await this.zk.ensurePath(path);
  }

  /** The cluster id in /cluster/id, writing `proposed` when there is none yet. */
  async getOrCreateClusterId(proposed: string): Promise<string> {
    const existing = await this.zk.get(ZkPaths.clusterId);
    if (existing) return ClusterIdZNode.decode(existing.data);
    try {
      await this.zk.createRecursive(ZkPaths.clusterId, ClusterIdZNode.encode(proposed));
      return proposed;
    } catch (err) {
      if (!isCode(err, ZkErrorCode.NODE_EXISTS)) throw err;
      const raced = await this.zk.get(ZkPaths.clusterId);
      return ClusterIdZNode.decode(raced!.data);
    }
  }

  /**
   * Registers this broker (ephemeral /brokers/ids/<id>) and returns its broker epoch, the czxid of
   * the registration. A live registration by another session is a BrokerIdInUseError; one left by
   * this same session (a retry after a lost reply) is accepted.
   */
  async registerBroker(registration: BrokerRegistration): Promise<bigint> {
    const path = ZkPaths.broker(registration.id);
    try {
      await this.zk.create(path, BrokerIdZNode.encode(registration), 'ephemeral');
    } catch (err) {
      if (!isCode(err, ZkErrorCode.NODE_EXISTS)) throw err;
      const stat = await this.zk.exists(path);
      if (!stat || BigInt.asUintN(64, stat.ephemeralOwner).toString(16).padStart(16, '0') !== this.zk.sessionId)
        throw new BrokerIdInUseError(registration.id);
    }
    const stat = await this.zk.exists(path);
    if (!stat) throw new ZkError(ZkErrorCode.NO_NODE, 'broker registration vanished', path);
    return stat.czxid;
  }

  /** Live brokers by id; the watcher fires once when the set changes. */
  async liveBrokers(watcher?: () => void): Promise<Map<number, { registration: BrokerRegistration; epoch: bigint }>> {
    const out = new Map<number, { registration: BrokerRegistration; epoch: bigint }>();
    for (const name of await this.zk.children(ZkPaths.brokerIds, watcher)) {
      const id = Number(name);
      if (!Number.isInteger(id)) continue;
      const node = await this.zk.get(ZkPaths.broker(id));
      if (node) out.set(id, { registration: BrokerIdZNode.decode(id, node.data), epoch: node.stat.czxid });
    }
    return out;
  }

  /** The active controller's id, or -1; the watcher fires once when /controller changes. */
  async controllerId(watcher?: () => void): Promise<number> {
    const node = await this.zk.get(ZkPaths.controller, watcher);
    return node ? ControllerZNode.decode(node.data) : -1;
  }

  async controllerEpoch(): Promise<ControllerEpoch | null> {
    const node = await this.zk.get(ZkPaths.controllerEpoch);
    return node ? { epoch: ControllerEpochZNode.decode(node.data), zkVersion: node.stat.version } : null;
  }

  /**
   * Tries to become the controller: creates the ephemeral /controller and bumps /controller_epoch
   * in one multi, conditional on the epoch read. Returns the new epoch, or null when another
   * broker is (or just became) the controller.
   */
  async tryElectController(brokerId: number, nowMs: number): Promise<ControllerEpoch | null> {
    for (;;) {
      if ((await this.controllerId()) !== -1) return null;
      let current = await this.controllerEpoch();
      if (!current) {
        try {
          await this.zk.create(ZkPaths.controllerEpoch, ControllerEpochZNode.encode(0));
        } catch (err) {
          if (!isCode(err, ZkErrorCode.NODE_EXISTS)) throw err;
        }
        current = await this.controllerEpoch();
        if (!current) continue;
      }
      try {
        await this.zk.multi([
          { op: 'create', path: ZkPaths.controller, data: ControllerZNode.encode(brokerId, nowMs), mode: 'ephemeral' },
          {
            op: 'set',
            path: ZkPaths.controllerEpoch,
            data: ControllerEpochZNode.encode(current.epoch + 1),
            version: current.zkVersion,
          },
        ]);
        return { epoch: current.epoch + 1, zkVersion: current.zkVersion + 1 };
      } catch (err) {
        if (isCode(err, ZkErrorCode.NODE_EXISTS)) return null;
        if (isCode(err, ZkErrorCode.BAD_VERSION)) continue; // another candidate bumped the epoch; look again
        throw err;
      }
    }
  }

  /** Runs `ops` only while /controller_epoch is still at `epoch.zkVersion`. */
  async controllerMulti(epoch: ControllerEpoch, ops: ZkOp[]): Promise<void> {
    try {
      await this.zk.multi([{ op: 'check', path: ZkPaths.controllerEpoch, version: epoch.zkVersion }, ...ops]);
    } catch (err) {
      if (isCode(err, ZkErrorCode.BAD_VERSION) && (await this.controllerEpoch())?.zkVersion !== epoch.zkVersion)
        throw new ControllerMovedError();
      throw err;
    }
  }

  // ---- topics ----

  async topics(watcher?: () => void): Promise<string[]> {
    return this.zk.children(ZkPaths.topics, watcher);
  }

  async topicAssignment(topic: string, watcher?: () => void): Promise<TopicAssignment | null> {
    const node = await this.zk.get(ZkPaths.topic(topic), watcher);
    return node ? TopicZNode.decode(topic, node.data) : null;
  }

  /**
   * Creates a topic as Kafka's AdminZkClient does: its config, then its assignment; the
   * controller sees the new /brokers/topics child and elects leaders. NODE_EXISTS when it exists.
   */
  async createTopic(topic: string, assignment: TopicAssignment, configs: Record<string, string>): Promise<void> {
    await this.zk.multi([
      { op: 'create', path: ZkPaths.config('topics', topic), data: ConfigZNode.encode(configs) },
      { op: 'create', path: ZkPaths.topic(topic), data: TopicZNode.encode(assignment) },
    ]);
  }

  /** Replaces a topic's assignment (partition addition, reassignment) at the version read. */
  async setTopicAssignment(topic: string, assignment: TopicAssignment, version: number): Promise<void> {
    await this.zk.set(ZkPaths.topic(topic), TopicZNode.encode(assignment), version);
  }

  /** Every partition's state of a topic, with the znode versions. */
  async partitionStates(topic: string): Promise<Map<number, PartitionStateRead>> {
    const out = new Map<number, PartitionStateRead>();
    for (const name of await this.zk.children(ZkPaths.partitions(topic))) {
      const partition = Number(name);
      const node = await this.zk.get(ZkPaths.partitionState(topic, partition));
      if (node)
        out.set(partition, {
          state: PartitionStateZNode.decode(topic, partition, node.data),
          zkVersion: node.stat.version,
        });
    }
    return out;
  }

  /** The controller creates new partitions' first states (fenced by its epoch). */
  async createPartitionStates(epoch: ControllerEpoch, topic: string, states: Map<number, LeaderIsr>): Promise<void> {
    await this.zk.ensurePath(ZkPaths.partitions(topic));
    const ops: ZkOp[] = [];
    for (const [partition, state] of states) {
      ops.push({ op: 'create', path: ZkPaths.partition(topic, partition), data: Buffer.alloc(0) });
      ops.push({
        op: 'create',
        path: ZkPaths.partitionState(topic, partition),
        data: PartitionStateZNode.encode(state),
      });
    }
    await this.controllerMulti(epoch, ops);
  }

  /**
   * The controller's conditional update of one partition's state: lands only if the znode is
   * still at `expectedVersion` and the controller epoch has not moved. Returns the new version,
   * or null when the state changed underneath (the caller re-reads and decides again).
   */
  async updatePartitionState(
    epoch: ControllerEpoch,
    topic: string,
    partition: number,
    state: LeaderIsr,
    expectedVersion: number,
  ): Promise<number | null> {
    try {
      await this.controllerMulti(epoch, [
        {
          op: 'set',
          path: ZkPaths.partitionState(topic, partition),
          data: PartitionStateZNode.encode(state),
          version: expectedVersion,
        },
      ]);
      return expectedVersion + 1;
    } catch (err) {
      if (isCode(err, ZkErrorCode.BAD_VERSION)) return null;
      throw err;
    }
  }

  // ---- deletion ----

  /** Marks a topic for deletion (/admin/delete_topics/<t>), as kafka-topics --delete does. */
  async markTopicForDeletion(topic: string): Promise<void> {
    try {
      await this.zk.create(ZkPaths.deleteTopic(topic), Buffer.alloc(0));
    } catch (err) {
      if (!isCode(err, ZkErrorCode.NODE_EXISTS)) throw err;
    }
  }

  async topicsMarkedForDeletion(watcher?: () => void): Promise<string[]> {
    return this.zk.children(ZkPaths.deleteTopics, watcher);
  }

  /** The controller's last step of a deletion: the topic's znodes, config and marker go. */
  async removeTopic(epoch: ControllerEpoch, topic: string): Promise<void> {
    const ops: ZkOp[] = [];
    for (const p of await this.zk.children(ZkPaths.partitions(topic))) {
      ops.push({ op: 'delete', path: ZkPaths.partitionState(topic, Number(p)), version: -1 });
      ops.push({ op: 'delete', path: ZkPaths.partition(topic, Number(p)), version: -1 });
    }
    if (await this.zk.exists(ZkPaths.partitions(topic)))
      ops.push({ op: 'delete', path: ZkPaths.partitions(topic), version: -1 });
    ops.push({ op: 'delete', path: ZkPaths.topic(topic), version: -1 });
    if (await this.zk.exists(ZkPaths.config('topics', topic)))
      ops.push({ op: 'delete', path: ZkPaths.config('topics', topic), version: -1 });
    if (await this.zk.exists(ZkPaths.deleteTopic(topic)))
      ops.push({ op: 'delete', path: ZkPaths.deleteTopic(topic), version: -1 });
    await this.controllerMulti(epoch, ops);
  }

  // ---- configs ----

  async entityConfigs(type: ConfigEntityType, name: string): Promise<Record<string, string>> {
    const path = ZkPaths.config(type, name);
    const node = await this.zk.get(path);
    return node ? ConfigZNode.decode(path, node.data) : {};
  }

  /** Replaces an entity's configs and leaves a change notification for every broker to see. */
  async setEntityConfigs(type: ConfigEntityType, name: string, configs: Record<string, string>): Promise<void> {
    const path = ZkPaths.config(type, name);
    if (await this.zk.exists(path)) await this.zk.set(path, ConfigZNode.encode(configs), -1);
    else await this.zk.createRecursive(path, ConfigZNode.encode(configs));
    await this.zk.create(ZkPaths.configChangePrefix, ConfigChangeZNode.encode(type, name), 'persistent-sequential');
  }

  // ---- producer ids ----

  /** Claims the next block of `size` producer ids, conditionally on the block last read (Kafka's ProducerIdManager). */
  async allocateProducerIdBlock(brokerId: number, size: number): Promise<{ start: bigint; end: bigint }> {
    for (;;) {
      const node = await this.zk.get(ZkPaths.latestProducerIdBlock);
      const start = node && node.data.length > 0 ? ProducerIdBlockZNode.decode(node.data).end + 1n : 0n;
      const block = { brokerId, start, end: start + BigInt(size) - 1n };
      try {
        if (node)
          await this.zk.set(ZkPaths.latestProducerIdBlock, ProducerIdBlockZNode.encode(block), node.stat.version);
        else await this.zk.create(ZkPaths.latestProducerIdBlock, ProducerIdBlockZNode.encode(block));
        return { start: block.start, end: block.end };
      } catch (err) {
        if (!isCode(err, ZkErrorCode.BAD_VERSION) && !isCode(err, ZkErrorCode.NODE_EXISTS)) throw err;
      }
    }
  }
}
