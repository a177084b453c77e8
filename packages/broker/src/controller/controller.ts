/**
 * The controller (Kafka's `KafkaController` in ZooKeeper mode): runs on the one broker that won
 * the /controller election, and is the only writer of partition state. It rebuilds its view
 * from ZooKeeper on election, then reacts to events one at a time (a single queue, like Kafka's
 * controller event thread): brokers coming and going, new topics and partitions, deletions, ISR
 * changes asked by leaders (AlterPartition), controlled shutdowns and leader elections. Every
 * write is conditional on the controller epoch (a deposed controller fails and resigns) and on
 * the partition's znode version; brokers learn the result by LeaderAndIsr, UpdateMetadata and
 * StopReplica.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { Logger } from 'pino';
import { ControllerMovedError, type ControllerEpoch, type KafkaZk } from '../zk/kafka-zk.js';
import { TopicZNode, ZkPaths, type LeaderIsr } from '../zk/zk-data.js';
import type { ControllerChannel } from './controller-channel.js';
import * as req from './controller-requests.js';
import { ControllerState, partitionKey, type ControllerPartition } from './controller-state.js';
import {
  electForReassignment,
  electForShutdown,
  electOffline,
  electPreferred,
  type Election,
} from './leader-election.js';

export interface ControllerOptions {
  selfId: number;
  kzk: KafkaZk;
  channel: ControllerChannel;
  logger: Logger;
  /** unclean.leader.election.enable for a topic (its override, else the broker default). */
  uncleanAllowed: (topic: string) => Promise<boolean>;
  autoLeaderRebalance: { enabled: boolean; intervalMs: number };
}

export interface IsrRequest {
  topic: string;
  partition: number;
  leaderEpoch: number;
  partitionEpoch: number;
  newIsr: number[];
}

export type IsrResult =
  | { errorCode: typeof ErrorCode.NONE; state: ControllerPartition }
  | { errorCode: number; state?: ControllerPartition | undefined };

export class Controller {
  readonly state = new ControllerState();
  private epoch: ControllerEpoch | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly options: ControllerOptions,
    /** Called when this broker stops being the controller (its epoch was superseded). */
    private readonly onResign: () => void,
  ) {
    this.logger = options.logger.child({ component: 'controller' });
  }

  get isActive(): boolean {
    return this.epoch !== undefined;
  }

  get controllerEpoch(): number {
    return this.epoch?.epoch ?? -1;
  }

  private get fence(): req.Fence {
    return { controllerId: this.options.selfId, controllerEpoch: this.epoch!.epoch };
  }

  /** Runs `fn` on the controller's queue, after every event before it. */
  enqueue<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (!this.epoch) throw new ControllerMovedError();
      try {
        return await fn();
      } catch (err) {
        if (err instanceof ControllerMovedError) this.resign();
        else this.logger.error({ err }, `controller event '${what}' failed`);
        throw err;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private watch(what: string, fn: () => Promise<unknown>): () => void {
    return () => {
      if (this.epoch) this.enqueue(what, fn).catch(() => undefined);
    };
  }

  // ---- election and failover ----

  /** Takes over with `epoch`: reads the whole cluster from ZooKeeper and tells every broker its part. */
  async activate(epoch: ControllerEpoch): Promise<void> {
    this.epoch = epoch;
    const start = Date.now();
    await this.enqueue('activate', async () => {
      const { kzk } = this.options;
      this.state.brokers = await kzk.liveBrokers(this.watch('broker change', () => this.onBrokerChange()));
      for (const [id, b] of this.state.brokers) this.options.channel.addBroker(id, req.endpointOf(b));
      const topics = await kzk.topics(this.watch('topic change', () => this.onTopicChange()));
      for (const name of topics) await this.loadTopic(name);
      // Partitions without a state yet (created while this controller was away) get one now.
      const fresh = await this.initNewPartitions(topics);
      // Leaders on dead brokers, and dead brokers in ISRs, as on any broker failure.
      const live = this.state.live();
      const failed = new Set<number>();
      for (const p of this.state.partitions.values())
        for (const id of [p.leader, ...p.isr]) if (id >= 0 && !live.has(id)) failed.add(id);
      const changed = await this.handleFailedBrokers([...failed]);
      for (const id of live) await this.sendFull(id, [...fresh, ...changed]);
      await this.onDeletionChange();
      if (this.options.autoLeaderRebalance.enabled) {
        this.rebalanceTimer = setInterval(
          () => void this.enqueue('auto leader rebalance', () => this.rebalanceLeaders()).catch(() => undefined),
          this.options.autoLeaderRebalance.intervalMs,
        );
        this.rebalanceTimer.unref();
      }
    });
    this.logger.info(
      { epoch: epoch.epoch, brokers: [...this.state.brokers.keys()], ms: Date.now() - start },
      `became the controller (epoch ${epoch.epoch})`,
    );
  }

  /** Stops acting as controller (another broker took over, or this one is stopping). */
  resign(): void {
    if (!this.epoch) return;
    this.logger.info({ epoch: this.epoch.epoch }, 'no longer the controller');
    this.epoch = undefined;
    if (this.rebalanceTimer) clearInterval(this.rebalanceTimer);
    this.options.channel.close();
    this.onResign();
  }

  private async loadTopic(name: string): Promise<void> {
    const { kzk } = this.options;
    const assignment = await kzk.topicAssignment(
      name,
      this.watch(`partitions of ${name}`, () => this.onAssignment(name)),
    );
    if (!assignment) return;
    this.state.topics.set(name, {
      name,
      topicId: assignment.topicId ?? '',
      assignment: assignment.partitions,
      zkVersion: 0,
    });
    for (const [partition, read] of await kzk.partitionStates(name))
      this.state.setPartition({ topic: name, partition, ...read.state, zkVersion: read.zkVersion });
  }

  // ---- events ----

  private async onBrokerChange(): Promise<void> {
    const before = this.state.brokers;
    const after = await this.options.kzk.liveBrokers(this.watch('broker change', () => this.onBrokerChange()));
    // A broker that re-registered (new epoch) failed and started again in between.
    const dead = [...before.keys()].filter((id) => !after.has(id) || after.get(id)!.epoch !== before.get(id)!.epoch);
    const born = [...after.keys()].filter((id) => !before.has(id) || after.get(id)!.epoch !== before.get(id)!.epoch);
    if (dead.length === 0 && born.length === 0) return;
    this.logger.info({ dead, born }, `brokers changed: ${dead.length} gone, ${born.length} new`);
    for (const id of dead) {
      this.options.channel.removeBroker(id);
      this.state.shuttingDown.delete(id);
    }
    this.state.brokers = after;
    for (const id of born) this.options.channel.addBroker(id, req.endpointOf(after.get(id)!));
    const changed = await this.handleFailedBrokers(dead.filter((id) => !born.includes(id)));
    // Partitions that had no live replica may come back with the new brokers.
    changed.push(...(await this.electOffline(this.state.allPartitions().filter((p) => p.leader < 0))));
    changed.push(...(await this.initNewPartitions([...this.state.topics.keys()])));
    for (const id of born) await this.sendFull(id, []);
    // The live broker set changed: every other broker hears of it, with or without partition changes.
    await this.propagate(
      changed,
      [...this.state.live()].filter((id) => !born.includes(id)),
      false,
      true,
    );
  }

  private async onTopicChange(): Promise<void> {
    const names = await this.options.kzk.topics(this.watch('topic change', () => this.onTopicChange()));
    const added = names.filter((n) => !this.state.topics.has(n));
    for (const name of names.filter((n) => !this.state.topics.has(n))) await this.loadTopic(name);
    for (const name of [...this.state.topics.keys()]) if (!names.includes(name)) this.state.removeTopic(name);
    const fresh = await this.initNewPartitions(added);
    await this.propagate(fresh, [...this.state.live()], true);
  }

  private async onAssignment(topic: string): Promise<void> {
    const assignment = await this.options.kzk.topicAssignment(
      topic,
      this.watch(`partitions of ${topic}`, () => this.onAssignment(topic)),
    );
    const t = this.state.topics.get(topic);
    if (!assignment || !t) return;
    for (const [p, replicas] of assignment.partitions) if (!t.assignment.has(p)) t.assignment.set(p, replicas);
    await this.propagate(await this.initNewPartitions([topic]), [...this.state.live()], true);
  }

  /** New partitions: leader the first live replica, ISR the live replicas (Kafka's NewPartition → Online). */
  private async initNewPartitions(topics: string[]): Promise<ControllerPartition[]> {
    const live = this.state.live();
    const out: ControllerPartition[] = [];
    for (const topic of topics) {
      const t = this.state.topics.get(topic);
      if (!t || this.state.deleting.has(topic)) continue;
      const states = new Map<number, LeaderIsr>();
      for (const [p, replicas] of t.assignment) {
        if (this.state.partition(topic, p)) continue;
        const isr = replicas.filter((id) => live.has(id));
        if (isr.length === 0) continue;
        states.set(p, { leader: isr[0]!, leaderEpoch: 0, isr, controllerEpoch: this.epoch!.epoch });
      }
      if (states.size === 0) continue;
      await this.options.kzk.createPartitionStates(this.epoch!, topic, states);
      for (const [partition, s] of states) {
        const p = { topic, partition, ...s, zkVersion: 0 };
        this.state.setPartition(p);
        out.push(p);
      }
    }
    return out;
  }

  /**
   * Brokers gone: their partitions get a leader from the live ISR (or stay offline, leader -1,
   * unless unclean election is allowed), and they leave every ISR (the last member stays, so it
   * can lead again cleanly when it returns). Returns the partitions changed.
   */
  private async handleFailedBrokers(dead: number[]): Promise<ControllerPartition[]> {
    if (dead.length === 0) return [];
    const gone = new Set(dead);
    const live = this.state.live();
    const changed: ControllerPartition[] = [];
    for (const p of this.state.allPartitions()) {
      const leaderGone = p.leader >= 0 && gone.has(p.leader);
      const isrGone = p.isr.some((id) => gone.has(id));
      if (!leaderGone && !isrGone) continue;
      if (leaderGone) {
        const [elected] = await this.electOffline([p], live);
        if (elected) {
          changed.push(elected);
          continue;
        }
      }
      const isr = p.isr.length === 1 ? p.isr : p.isr.filter((id) => !gone.has(id));
      const leader = leaderGone ? -1 : p.leader;
      const next = await this.write(p, { leader, leaderEpoch: p.leaderEpoch + 1, isr });
      if (next) changed.push(next);
    }
    return changed;
  }

  /** Elects leaders for partitions without a live one; returns those that got one. */
  private async electOffline(
    partitions: ControllerPartition[],
    live = this.state.live(),
  ): Promise<ControllerPartition[]> {
    const out: ControllerPartition[] = [];
    for (const p of partitions) {
      if (this.state.deleting.has(p.topic)) continue;
      const input = { replicas: this.state.replicas(p.topic, p.partition), isr: p.isr, live };
      let election = electOffline(input, false);
      if (!election && (await this.options.uncleanAllowed(p.topic))) {
        election = electOffline(input, true);
        if (election)
          this.logger.warn(
            { topic: p.topic, partition: p.partition, leader: election.leader, lastIsr: p.isr },
            `unclean leader election: ${p.topic}-${p.partition} led by out-of-sync replica ${election.leader}; records not on it are lost`,
          );
      }
      if (!election) {
        if (p.leader >= 0)
          this.logger.warn(
            { topic: p.topic, partition: p.partition, isr: p.isr },
            `${p.topic}-${p.partition} is offline: no live in-sync replica (unclean.leader.election.enable=false)`,
          );
        continue;
      }
      const next = await this.applyElection(p, election);
      if (next) out.push(next);
    }
    return out;
  }

  private applyElection(p: ControllerPartition, e: Election): Promise<ControllerPartition | undefined> {
    return this.write(p, { leader: e.leader, leaderEpoch: p.leaderEpoch + 1, isr: e.isr });
  }

  /** Writes a partition's new state conditionally; on a version conflict re-reads and gives up this round. */
  private async write(
    p: ControllerPartition,
    change: Pick<LeaderIsr, 'leader' | 'leaderEpoch' | 'isr'>,
  ): Promise<ControllerPartition | undefined> {
    const state: LeaderIsr = { ...change, controllerEpoch: this.epoch!.epoch };
    const version = await this.options.kzk.updatePartitionState(this.epoch!, p.topic, p.partition, state, p.zkVersion);
    if (version === null) {
      const fresh = (await this.options.kzk.partitionStates(p.topic)).get(p.partition);
      if (fresh)
        this.state.setPartition({ topic: p.topic, partition: p.partition, ...fresh.state, zkVersion: fresh.zkVersion });
      this.logger.warn({ topic: p.topic, partition: p.partition }, 'partition state changed underneath; re-read');
      return undefined;
    }
    const next = { topic: p.topic, partition: p.partition, ...state, zkVersion: version };
    this.state.setPartition(next);
    return next;
  }

  // ---- telling brokers ----

  /** LeaderAndIsr to each live replica of `changed`, then UpdateMetadata with them to `to`. */
  private async propagate(changed: ControllerPartition[], to: number[], isNew = false, always = false): Promise<void> {
    if (changed.length === 0 && !always) return;
    const live = this.state.live();
    const perBroker = new Map<number, ControllerPartition[]>();
    for (const p of changed)
      for (const id of this.state.replicas(p.topic, p.partition))
        if (live.has(id)) {
          let list = perBroker.get(id);
          if (!list) perBroker.set(id, (list = []));
          list.push(p);
        }
    const sends: Promise<unknown>[] = [];
    for (const [id, list] of perBroker)
      sends.push(
        this.options.channel.send(id, ApiKey.LeaderAndIsr, req.leaderAndIsr(this.fence, this.state, id, list, isNew)),
      );
    for (const id of to)
      sends.push(
        this.options.channel.send(id, ApiKey.UpdateMetadata, req.updateMetadata(this.fence, this.state, id, changed)),
      );
    // Queued in order per broker; not waiting keeps one slow broker from stalling the controller.
    void Promise.allSettled(sends);
  }

  /** A (re)joining broker: everything it hosts, and the whole metadata. */
  private async sendFull(brokerId: number, _changed: ControllerPartition[]): Promise<void> {
    const hosted = this.state
      .allPartitions()
      .filter((p) => this.state.replicas(p.topic, p.partition).includes(brokerId));
    const { channel } = this.options;
    void channel.send(
      brokerId,
      ApiKey.UpdateMetadata,
      req.updateMetadata(this.fence, this.state, brokerId, this.state.allPartitions()),
    );
    if (hosted.length > 0)
      void channel.send(brokerId, ApiKey.LeaderAndIsr, req.leaderAndIsr(this.fence, this.state, brokerId, hosted));
  }

  /**
   * unclean.leader.election.enable was turned on for `topic` (or the broker default): its
   * partitions without a leader get one now rather than at the next broker change, as Kafka does.
   */
  uncleanElectionEnabled(topic: string | undefined): Promise<void> {
    return this.enqueue('unclean election enabled', async () => {
      const offline = this.state
        .allPartitions()
        .filter((p) => p.leader < 0 && (topic === undefined || p.topic === topic));
      await this.propagate(await this.electOffline(offline), [...this.state.live()]);
    });
  }

  // ---- deletion ----

  /** Topics marked in /admin/delete_topics: brokers drop their replicas, then the znodes go. */
  private async onDeletionChange(): Promise<void> {
    const marked = await this.options.kzk.topicsMarkedForDeletion(
      this.watch('topic deletion', () => this.onDeletionChange()),
    );
    for (const topic of marked) {
      const t = this.state.topics.get(topic);
      if (!t) {
        await this.options.kzk.removeTopic(this.epoch!, topic).catch(() => undefined);
        continue;
      }
      this.state.deleting.add(topic);
      const partitions = this.state.partitionsOf(topic);
      const live = [...this.state.live()];
      for (const id of live) {
        const hosted = partitions.filter((p) => this.state.replicas(topic, p.partition).includes(id));
        if (hosted.length > 0)
          void this.options.channel.send(
            id,
            ApiKey.StopReplica,
            req.stopReplica(this.fence, this.state, id, hosted, true),
          );
        void this.options.channel.send(
          id,
          ApiKey.UpdateMetadata,
          req.updateMetadata(this.fence, this.state, id, [], partitions),
        );
      }
      await this.options.kzk.removeTopic(this.epoch!, topic);
      this.state.removeTopic(topic);
      this.logger.info({ topic }, `deleted topic ${topic}`);
    }
  }

  // ---- requests from brokers ----

  /** AlterPartition: a leader's ISR change, checked against the current state and written conditionally. */
  alterPartition(brokerId: number, requests: IsrRequest[]): Promise<IsrResult[]> {
    return this.enqueue('alter partition', async () => {
      const live = this.state.live();
      const results: IsrResult[] = [];
      const changed: ControllerPartition[] = [];
      for (const r of requests) {
        const p = this.state.partition(r.topic, r.partition);
        if (!p || this.state.deleting.has(r.topic)) {
          results.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        if (p.leader !== brokerId) {
          results.push({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, state: p });
          continue;
        }
        if (r.leaderEpoch !== p.leaderEpoch) {
          results.push({ errorCode: ErrorCode.FENCED_LEADER_EPOCH, state: p });
          continue;
        }
        if (r.partitionEpoch !== p.zkVersion) {
          results.push({ errorCode: ErrorCode.INVALID_UPDATE_VERSION, state: p });
          continue;
        }
        const replicas = this.state.replicas(r.topic, r.partition);
        if (!r.newIsr.includes(brokerId) || r.newIsr.some((id) => !replicas.includes(id) || !live.has(id))) {
          results.push({ errorCode: ErrorCode.INVALID_REQUEST, state: p });
          continue;
        }
        const next = await this.write(p, { leader: p.leader, leaderEpoch: p.leaderEpoch, isr: r.newIsr });
        if (!next) {
          results.push({
            errorCode: ErrorCode.INVALID_UPDATE_VERSION,
            state: this.state.partition(r.topic, r.partition),
          });
          continue;
        }
        this.logger.info(
          { topic: r.topic, partition: r.partition, from: p.isr, to: next.isr },
          `ISR of ${r.topic}-${r.partition} ${next.isr.length < p.isr.length ? 'shrank' : 'expanded'} to [${next.isr.join(',')}]`,
        );
        changed.push(next);
        results.push({ errorCode: ErrorCode.NONE, state: next });
      }
      // A move whose new replicas are now in sync completes: its new leader and replicas hear by LeaderAndIsr.
      const completed: ControllerPartition[] = [];
      for (const p of changed) {
        const done = await this.maybeCompleteReassignment(p);
        if (done) completed.push(done);
      }
      await this.propagate(completed, [...this.state.live()]);
      for (const id of this.state.live())
        if (changed.length > 0)
          void this.options.channel.send(
            id,
            ApiKey.UpdateMetadata,
            req.updateMetadata(this.fence, this.state, id, changed),
          );
      return results;
    });
  }

  /**
   * ControlledShutdown: leadership moves off `brokerId` to other ISR members and it leaves the
   * ISRs; returns how many partitions it still leads (the broker retries until none).
   */
  controlledShutdown(brokerId: number): Promise<{ errorCode: number; remaining: ControllerPartition[] }> {
    return this.enqueue('controlled shutdown', async () => {
      if (!this.state.brokers.has(brokerId)) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, remaining: [] };
      this.state.shuttingDown.add(brokerId);
      const live = this.state.live();
      const changed: ControllerPartition[] = [];
      for (const p of this.state.allPartitions()) {
        const replicas = this.state.replicas(p.topic, p.partition);
        if (!replicas.includes(brokerId) || replicas.length < 2) continue;
        if (p.leader === brokerId) {
          const e = electForShutdown({ replicas, isr: p.isr, live }, this.state.shuttingDown);
          const next = e ? await this.applyElection(p, e) : undefined;
          if (next) changed.push(next);
        } else if (p.isr.includes(brokerId) && p.isr.length > 1) {
          const next = await this.write(p, {
            leader: p.leader,
            leaderEpoch: p.leaderEpoch + 1,
            isr: p.isr.filter((id) => id !== brokerId),
          });
          if (next) changed.push(next);
        }
      }
      await this.propagate(changed, [...live]);
      const remaining = this.state
        .allPartitions()
        .filter((p) => p.leader === brokerId && this.state.replicas(p.topic, p.partition).length > 1);
      this.logger.info(
        { broker: brokerId, moved: changed.length, remaining: remaining.length },
        `controlled shutdown of broker ${brokerId}: ${changed.length} partition(s) changed, ${remaining.length} still led`,
      );
      return { errorCode: ErrorCode.NONE, remaining };
    });
  }

  /**
   * ElectLeaders: preferred (the first replica, if live and in the ISR) or unclean (any live
   * replica, for partitions without a leader). Per partition: NONE, ELECTION_NOT_NEEDED,
   * PREFERRED_LEADER_NOT_AVAILABLE or ELIGIBLE_LEADERS_NOT_AVAILABLE, as Kafka answers.
   */
  electLeaders(
    type: 'preferred' | 'unclean',
    partitions: { topic: string; partition: number }[] | null,
  ): Promise<{ topic: string; partition: number; errorCode: number; message: string | null }[]> {
    return this.enqueue('elect leaders', async () => {
      const targets = partitions ?? this.state.allPartitions().map((p) => ({ topic: p.topic, partition: p.partition }));
      const live = this.state.live();
      const changed: ControllerPartition[] = [];
      const out = [];
      for (const { topic, partition } of targets) {
        const p = this.state.partition(topic, partition);
        if (!p) {
          out.push({ topic, partition, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null });
          continue;
        }
        const replicas = this.state.replicas(topic, partition);
        let e: Election | undefined;
        if (type === 'preferred') {
          if (p.leader === replicas[0]) {
            out.push({ topic, partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: null });
            continue;
          }
          e = electPreferred({ replicas, isr: p.isr, live });
          if (!e) {
            out.push({
              topic,
              partition,
              errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE,
              message: `preferred replica ${replicas[0]} is not live or not in the ISR`,
            });
            continue;
          }
        } else {
          if (p.leader >= 0 && live.has(p.leader)) {
            out.push({ topic, partition, errorCode: ErrorCode.ELECTION_NOT_NEEDED, message: null });
            continue;
          }
          e = electOffline({ replicas, isr: p.isr, live }, true);
          if (e?.unclean)
            this.logger.warn(
              { topic, partition, leader: e.leader },
              `unclean leader election of ${topic}-${partition} (ElectLeaders)`,
            );
        }
        const next = e ? await this.applyElection(p, e) : undefined;
        if (!next) {
          out.push({ topic, partition, errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, message: null });
          continue;
        }
        changed.push(next);
        out.push({ topic, partition, errorCode: ErrorCode.NONE, message: null });
      }
      await this.propagate(changed, [...live]);
      return out;
    });
  }

  /** auto.leader.rebalance.enable: leadership back to preferred replicas that are live and in sync. */
  private async rebalanceLeaders(): Promise<void> {
    const live = this.state.live();
    const changed: ControllerPartition[] = [];
    for (const p of this.state.allPartitions()) {
      const replicas = this.state.replicas(p.topic, p.partition);
      if (p.leader === replicas[0] || this.state.deleting.has(p.topic)) continue;
      if (replicas[0] !== undefined && this.state.shuttingDown.has(replicas[0])) continue;
      const e = electPreferred({ replicas, isr: p.isr, live });
      const next = e ? await this.applyElection(p, e) : undefined;
      if (next) changed.push(next);
    }
    if (changed.length > 0)
      this.logger.info({ partitions: changed.length }, 'moved leadership back to preferred replicas');
    await this.propagate(changed, [...live]);
  }

  // ---- reassignment (KIP-455) ----

  /**
   * AlterPartitionReassignments: moves each partition to `target` replicas (null cancels an
   * ongoing move). The new replicas join as followers of the current leader; once all of them are
   * in the ISR, leadership moves into the target if needed and the old replicas are removed.
   */
  reassign(
    moves: { topic: string; partition: number; target: number[] | null }[],
  ): Promise<{ topic: string; partition: number; errorCode: number; message: string | null }[]> {
    return this.enqueue('reassign partitions', async () => {
      const live = this.state.live();
      const out: { topic: string; partition: number; errorCode: number; message: string | null }[] = [];
      for (const m of moves) {
        const p = this.state.partition(m.topic, m.partition);
        const key = partitionKey(m.topic, m.partition);
        const ongoing = this.state.reassignments.get(key);
        const answer = (errorCode: number, message: string | null = null) =>
          out.push({ topic: m.topic, partition: m.partition, errorCode, message });
        if (!p || this.state.deleting.has(m.topic)) {
          answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        if (m.target === null) {
          if (!ongoing) {
            answer(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
            continue;
          }
          // Cancelling goes back to the original replicas, the same way a move completes.
          m.target = ongoing.original;
        }
        const target = m.target;
        if (target.length === 0 || new Set(target).size !== target.length) {
          answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'the target replicas must be distinct and not empty');
          continue;
        }
        const dead = target.filter((id) => !live.has(id));
        if (dead.length > 0) {
          answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `target replicas [${dead.join(',')}] are not live brokers`);
          continue;
        }
        const original = ongoing?.original ?? this.state.replicas(m.topic, m.partition);
        this.state.reassignments.set(key, { topic: m.topic, partition: m.partition, target, original });
        const union = [...target, ...original.filter((id) => !target.includes(id))];
        await this.writeAssignment(m.topic, m.partition, union);
        const next = await this.write(p, { leader: p.leader, leaderEpoch: p.leaderEpoch + 1, isr: p.isr });
        if (next) {
          await this.propagate([next], [...live]);
          const done = await this.maybeCompleteReassignment(next);
          if (done) await this.propagate([done], [...live]);
        }
        this.logger.info(
          { topic: m.topic, partition: m.partition, from: original, to: target },
          'reassignment started',
        );
        answer(ErrorCode.NONE);
      }
      return out;
    });
  }

  /** ListPartitionReassignments: the ongoing moves (all, or those of `partitions`). */
  listReassignments(
    partitions: { topic: string; partition: number }[] | null,
  ): { topic: string; partition: number; replicas: number[]; adding: number[]; removing: number[] }[] {
    const wanted = partitions ? new Set(partitions.map((p) => partitionKey(p.topic, p.partition))) : undefined;
    return [...this.state.reassignments]
      .filter(([key]) => !wanted || wanted.has(key))
      .map(([, r]) => ({
        topic: r.topic,
        partition: r.partition,
        replicas: this.state.replicas(r.topic, r.partition),
        adding: r.target.filter((id) => !r.original.includes(id)),
        removing: r.original.filter((id) => !r.target.includes(id)),
      }));
  }

  /** Finishes a move whose new replicas are all in sync: leader into the target, old replicas out. */
  private async maybeCompleteReassignment(p: ControllerPartition): Promise<ControllerPartition | undefined> {
    const key = partitionKey(p.topic, p.partition);
    const r = this.state.reassignments.get(key);
    if (!r || !r.target.every((id) => p.isr.includes(id))) return undefined;
    const live = this.state.live();
    let leader = p.leader;
    if (!r.target.includes(leader) || !live.has(leader)) {
      const e = electForReassignment(r.target, { replicas: r.target, isr: p.isr, live });
      if (!e) return undefined;
      leader = e.leader;
    }
    const removed = this.state.replicas(p.topic, p.partition).filter((id) => !r.target.includes(id));
    await this.writeAssignment(p.topic, p.partition, r.target);
    const next = await this.write(p, {
      leader,
      leaderEpoch: p.leaderEpoch + 1,
      isr: p.isr.filter((id) => r.target.includes(id)),
    });
    if (!next) return undefined;
    this.state.reassignments.delete(key);
    for (const id of removed)
      if (live.has(id))
        void this.options.channel.send(
          id,
          ApiKey.StopReplica,
          req.stopReplica(this.fence, this.state, id, [{ ...next, leaderEpoch: next.leaderEpoch }], true),
        );
    this.logger.info({ topic: p.topic, partition: p.partition, replicas: r.target, leader }, 'reassignment completed');
    return next;
  }

  /** Rewrites one partition's replicas in /brokers/topics/<t> (and in the controller's view). */
  private async writeAssignment(topic: string, partition: number, replicas: number[]): Promise<void> {
    const t = this.state.topics.get(topic);
    if (!t) return;
    const node = await this.options.kzk.zk.get(ZkPaths.topic(topic));
    if (!node) return;
    const current = TopicZNode.decode(topic, node.data);
    current.partitions.set(partition, replicas);
    const r = this.state.reassignments.get(partitionKey(topic, partition));
    if (r && replicas.join() !== r.target.join()) {
      current.addingReplicas.set(
        partition,
        r.target.filter((id) => !r.original.includes(id)),
      );
      current.removingReplicas.set(
        partition,
        r.original.filter((id) => !r.target.includes(id)),
      );
    } else {
      current.addingReplicas.delete(partition);
      current.removingReplicas.delete(partition);
    }
    await this.options.kzk.controllerMulti(this.epoch!, [
      { op: 'set', path: ZkPaths.topic(topic), data: TopicZNode.encode(current), version: node.stat.version },
    ]);
    t.assignment.set(partition, replicas);
  }
}
