/**
 * `gregor topic describe [TOPIC]`, as kafka-topics.sh --describe: each partition's leader, leader
 * epoch, replicas, ISR and offline replicas, marked `under-replicated` (ISR smaller than the
 * replica set, not counting replicas a reassignment is still adding, as Kafka counts),
 * `offline` (no leader, or a leader that is not a live broker) and `reassigning`. With a topic
 * and no filter: its id, counts and config overrides first. Without a topic: every topic.
 * `--under-replicated-partitions`, `--unavailable-partitions`, `--under-min-isr-partitions`
 * (ISR below the topic's min.insync.replicas, or no leader) and `--at-min-isr-partitions` print
 * only the partitions so marked (nothing at all on a healthy cluster, as Kafka's tool).
 */
import { KafkaError, type Admin, type OngoingReassignment, type TopicDescription } from '@gregor/client';
import type { ConfigEntry } from '@gregor/client';
import type { Context } from '../context.js';
import { fields, table } from '../output.js';
import { tpName } from './partition-json.js';

export interface TopicDescribeOptions {
  allConfigs?: boolean;
  underReplicatedPartitions?: boolean;
  unavailablePartitions?: boolean;
  underMinIsrPartitions?: boolean;
  atMinIsrPartitions?: boolean;
  excludeInternal?: boolean;
  json?: boolean;
}

interface PartitionView {
  topic: string;
  partition: number;
  leader: number | null;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
  underReplicated: boolean;
  offline: boolean;
}

/** Each topic's min.insync.replicas (one DescribeConfigs for all). */
async function minIsrs(admin: Admin, topics: readonly TopicDescription[]): Promise<Map<string, number>> {
  if (topics.length === 0) return new Map();
  const described = await admin.describeConfigs(
    topics.map((t) => ({ type: 'topic' as const, name: t.topic, keys: ['min.insync.replicas'] })),
  );
  return new Map(
    described.flatMap((d) => {
      const value = d.configs.find((c) => c.name === 'min.insync.replicas')?.value;
      return value == null ? [] : [[d.name, Number(value)] as const];
    }),
  );
}

/** Ongoing reassignments by partition; none where the cluster cannot say (no controller API, or not allowed). */
async function reassignments(admin: Admin): Promise<Map<string, OngoingReassignment>> {
  try {
    return new Map((await admin.listPartitionReassignments()).map((r) => [tpName(r), r]));
  } catch (e) {
    if (e instanceof KafkaError && (e.name === 'UNSUPPORTED_VERSION' || e.name === 'CLUSTER_AUTHORIZATION_FAILED'))
      return new Map();
    throw e;
  }
}

function viewsOf(
  topic: TopicDescription,
  live: ReadonlySet<number>,
  ongoing: ReadonlyMap<string, OngoingReassignment>,
): PartitionView[] {
  return topic.partitions.map((p) => {
    const r = ongoing.get(tpName({ topic: topic.topic, partition: p.partition }));
    const adding = r?.addingReplicas ?? [];
    return {
      topic: topic.topic,
      partition: p.partition,
      leader: p.leader < 0 ? null : p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      offlineReplicas: p.offlineReplicas,
      addingReplicas: adding,
      removingReplicas: r?.removingReplicas ?? [],
      underReplicated: p.isr.length < p.replicas.length - adding.length,
      offline: p.leader < 0 || !live.has(p.leader),
    };
  });
}

function status(v: PartitionView): string {
  const marks = [
    ...(v.offline ? ['offline'] : []),
    ...(v.underReplicated ? ['under-replicated'] : []),
    ...(v.addingReplicas.length + v.removingReplicas.length > 0
      ? [`reassigning(+${v.addingReplicas.join(',') || '-'} -${v.removingReplicas.join(',') || '-'})`]
      : []),
  ];
  return marks.length === 0 ? 'ok' : marks.join(',');
}

const ids = (l: readonly number[]) => (l.length === 0 ? '-' : l.join(','));

function partitionRows(views: readonly PartitionView[], withTopic: boolean): (string | number)[][] {
  return views.map((v) => [
    ...(withTopic ? [v.topic] : []),
    v.partition,
    v.leader ?? 'none',
    v.leaderEpoch,
    ids(v.replicas),
    ids(v.isr),
    ids(v.offlineReplicas),
    status(v),
  ]);
}

const HEAD = ['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'OFFLINE', 'STATUS'];

const shownConfig = (c: ConfigEntry, all: boolean) => all || (!c.isDefault && c.source === 'dynamic-topic');

async function printTopicHeader(ctx: Context, admin: Admin, topic: TopicDescription, allConfigs: boolean) {
  const [configs] = await admin.describeConfigs([{ type: 'topic', name: topic.topic }]);
  const entries = (configs?.configs ?? [])
    .filter((c) => shownConfig(c, allConfigs))
    .sort((a, b) => a.name.localeCompare(b.name));
  ctx.print(
    fields([
      ['Topic', topic.topic],
      ['Topic ID', topic.topicId],
      ['Partitions', topic.partitions.length],
      ['Replication factor', topic.partitions[0]?.replicas.length ?? 0],
      ['Internal', topic.isInternal ? 'yes' : 'no'],
      ['Configs', entries.length === 0 ? '(none set on the topic)' : ''],
    ]).trimEnd(),
  );
  for (const c of entries)
    ctx.print(`  ${c.name}=${c.isSensitive ? '(sensitive)' : (c.value ?? '')}${allConfigs ? `  (${c.source})` : ''}`);
  ctx.print();
}

export async function topicDescribe(ctx: Context, name: string | undefined, o: TopicDescribeOptions): Promise<void> {
  const admin = await ctx.admin();
  const topics = (await admin.describeTopics(name === undefined ? null : [name]))
    .filter((t) => name !== undefined || !(o.excludeInternal && t.isInternal))
    .sort((a, b) => a.topic.localeCompare(b.topic));
  const live = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const ongoing = await reassignments(admin);
  const minIsrFilter = o.underMinIsrPartitions === true || o.atMinIsrPartitions === true;
  const minIsr = minIsrFilter ? await minIsrs(admin, topics) : new Map<string, number>();
  const filtered = o.underReplicatedPartitions === true || o.unavailablePartitions === true || minIsrFilter;
  const wanted = (v: PartitionView) => {
    const min = minIsr.get(v.topic);
    return (
      !filtered ||
      (o.underReplicatedPartitions === true && v.underReplicated) ||
      (o.unavailablePartitions === true && v.offline) ||
      (o.underMinIsrPartitions === true && (v.leader === null || (min !== undefined && v.isr.length < min))) ||
      (o.atMinIsrPartitions === true && min !== undefined && v.isr.length === min)
    );
  };
  const views = topics.flatMap((t) => viewsOf(t, live, ongoing)).filter(wanted);
  if (o.json) {
    const byTopic = topics
      .map((t) => ({
        topic: t.topic,
        topicId: t.topicId,
        internal: t.isInternal,
        partitions: views.filter((v) => v.topic === t.topic).map(({ topic: _topic, ...v }) => v),
      }))
      .filter((t) => !filtered || t.partitions.length > 0);
    ctx.print(JSON.stringify({ topics: byTopic }));
    return;
  }
  if (name !== undefined && !filtered) {
    await printTopicHeader(ctx, admin, topics[0]!, o.allConfigs === true);
    ctx.print(table(HEAD, partitionRows(views, false), { color: ctx.out.enabled }));
    return;
  }
  if (views.length > 0) ctx.print(table(['TOPIC', ...HEAD], partitionRows(views, true), { color: ctx.out.enabled }));
}
