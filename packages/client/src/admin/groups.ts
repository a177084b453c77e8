/**
 * The admin's consumer-group operations: ListGroups (every broker, optional state and type
 * filters), DescribeGroups, DeleteGroups and the committed offsets of a group (OffsetFetch,
 * OffsetCommit as a non-member, OffsetDelete) at its coordinator, and the lag of a group.
 * Resetting offsets is for an empty group only, as Kafka's kafka-consumer-groups tool insists:
 * members would overwrite the reset with their next commit.
 */
import { ApiKey, ErrorCode } from '@gregor/protocol';
import type { Cluster } from '../cluster/cluster.js';
import { listOffsets, OffsetTimestamp } from '../cluster/list-offsets.js';
import { ClientErrorCode, KafkaClientError, KafkaError } from '../errors.js';
import { decodeAssignment, decodeSubscription } from '../group/consumer-protocol.js';
import { GroupCoordinator } from '../group/coordinator.js';
import { commitOffsets, fetchCommitted, NO_MEMBER } from '../group/offsets.js';
import { tpKey, type TopicPartition } from '../types.js';
import type {
  GroupDescription,
  GroupListing,
  GroupOffset,
  GroupOffsetChange,
  GroupOffsetResetSpec,
  PartitionLag,
} from './types.js';

const coordinatorOf = (cluster: Cluster, groupId: string) => new GroupCoordinator(cluster, groupId, false);

export async function listGroups(
  cluster: Cluster,
  filter: { states?: readonly string[]; types?: readonly string[] },
): Promise<GroupListing[]> {
  await cluster.refreshMetadata();
  const out: GroupListing[] = [];
  for (const nodeId of cluster.metadata.brokers.keys()) {
    const conn = await cluster.connectionTo(nodeId);
    const res = await conn.send(ApiKey.ListGroups, (version) => ({
      ...(version >= 4 ? { statesFilter: [...(filter.states ?? [])] } : {}),
      ...(version >= 5 ? { typesFilter: [...(filter.types ?? [])] } : {}),
    }));
    if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, `ListGroups on broker ${nodeId}`);
    const v = conn.versionOf(ApiKey.ListGroups) ?? 0;
    const wanted = (list: readonly string[] | undefined, value: string) =>
      !list?.length || list.some((s) => s.toLowerCase() === value.toLowerCase());
    for (const g of res.groups) {
      // Older brokers cannot filter; filter here.
      if ((v < 4 && !wanted(filter.states, g.groupState)) || (v < 5 && !wanted(filter.types, g.groupType))) continue;
      out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType });
    }
  }
  return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

export async function describeGroups(cluster: Cluster, groupIds: readonly string[]): Promise<GroupDescription[]> {
  const out: GroupDescription[] = [];
  for (const groupId of groupIds) {
    const coordinator = coordinatorOf(cluster, groupId);
    const res = await coordinator.send(ApiKey.DescribeGroups, { groups: [groupId] });
    const g = res.groups[0];
    if (!g) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `DescribeGroups returned nothing for ${groupId}`);
    if (g.errorCode !== ErrorCode.NONE) throw new KafkaError(g.errorCode, `DescribeGroups for group ${groupId}`);
    const consumer = g.protocolType === 'consumer';
    out.push({
      groupId,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      coordinator: coordinator.nodeId,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        assignment: consumer && m.memberAssignment.length > 0 ? safely(() => decodeAssignment(m.memberAssignment)) : [],
        subscription:
          consumer && m.memberMetadata.length > 0 ? safely(() => [...decodeSubscription(m.memberMetadata).topics]) : [],
      })),
    });
  }
  return out;
}

/** Another client's bytes may not follow the consumer protocol; show nothing rather than fail. */
function safely<T>(decode: () => T[]): T[] {
  try {
    return decode();
  } catch {
    return [];
  }
}

export async function deleteGroups(cluster: Cluster, groupIds: readonly string[]): Promise<void> {
  for (const groupId of groupIds) {
    const res = await coordinatorOf(cluster, groupId).send(ApiKey.DeleteGroups, { groupsNames: [groupId] });
    for (const r of res.results)
      if (r.errorCode !== ErrorCode.NONE) throw new KafkaError(r.errorCode, `DeleteGroups for group ${r.groupId}`);
  }
}

/** The group's committed offsets (of `topics`, default all), sorted by topic and partition. */
export async function listGroupOffsets(
  cluster: Cluster,
  groupId: string,
  topics?: readonly string[],
): Promise<GroupOffset[]> {
  let partitions: TopicPartition[] | null = null;
  if (topics) {
    partitions = [];
    for (const topic of topics) {
      const info = await cluster.topic(topic);
      for (const p of info.partitions) partitions.push({ topic, partition: p.partition });
    }
  }
  const found = await fetchCommitted(coordinatorOf(cluster, groupId), partitions, cluster.options.requestTimeoutMs);
  return [...found.values()]
    .map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
    }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** Moves an empty group's committed offsets of a topic (all partitions, or those given); returns the new ones. */
export async function resetGroupOffsets(
  cluster: Cluster,
  groupId: string,
  topic: string,
  spec: GroupOffsetResetSpec,
  partitions?: readonly number[],
): Promise<{ partition: number; offset: number }[]> {
  const [group] = await describeGroups(cluster, [groupId]);
  if (group && group.state !== 'Empty' && group.state !== 'Dead')
    throw new KafkaClientError(
      ClientErrorCode.IllegalState,
      `group ${groupId} is ${group.state}: offsets can only be reset while it has no members`,
    );
  const info = await cluster.topic(topic);
  const list = partitions ?? info.partitions.map((p) => p.partition);
  let offsets: { partition: number; offset: number }[];
  if (typeof spec === 'object' && 'offset' in spec)
    offsets = list.map((partition) => ({ partition, offset: spec.offset }));
  else {
    const timestamp =
      spec === 'earliest' ? OffsetTimestamp.Earliest : spec === 'latest' ? OffsetTimestamp.Latest : spec.timestamp;
    const answers = await listOffsets(
      cluster,
      list.map((partition) => ({ topic, partition, timestamp })),
    );
    // No record at or after the timestamp: the end of the log, as Kafka's tool does.
    const ends =
      typeof spec === 'object'
        ? await listOffsets(
            cluster,
            list.map((partition) => ({ topic, partition, timestamp: OffsetTimestamp.Latest })),
          )
        : answers;
    offsets = list.map((partition) => {
      const a = answers.get(tpKey(topic, partition))!;
      return { partition, offset: a.offset >= 0 ? a.offset : ends.get(tpKey(topic, partition))!.offset };
    });
  }
  await commitOffsets(
    coordinatorOf(cluster, groupId),
    offsets.map((o) => ({ topic, ...o })),
    NO_MEMBER,
    cluster.options.requestTimeoutMs,
  );
  return offsets;
}

/** Commits `offsets` for a group from outside it; the coordinator refuses while the group has members. */
export async function alterGroupOffsets(
  cluster: Cluster,
  groupId: string,
  offsets: readonly GroupOffsetChange[],
): Promise<void> {
  await commitOffsets(coordinatorOf(cluster, groupId), offsets, NO_MEMBER, cluster.options.requestTimeoutMs);
}

/** Deletes committed offsets of a topic's partitions (all by default); the group must not consume them. */
export async function deleteGroupOffsets(
  cluster: Cluster,
  groupId: string,
  topic: string,
  partitions?: readonly number[],
): Promise<void> {
  const list = partitions ?? (await cluster.topic(topic)).partitions.map((p) => p.partition);
  const res = await coordinatorOf(cluster, groupId).send(ApiKey.OffsetDelete, {
    groupId,
    topics: [{ name: topic, partitions: list.map((partitionIndex) => ({ partitionIndex })) }],
  });
  if (res.errorCode !== ErrorCode.NONE) throw new KafkaError(res.errorCode, `OffsetDelete for group ${groupId}`);
  for (const t of res.topics)
    for (const p of t.partitions)
      if (p.errorCode !== ErrorCode.NONE)
        throw new KafkaError(p.errorCode, `OffsetDelete for group ${groupId}`, {
          topic: t.name,
          partition: p.partitionIndex,
        });
}

/**
 * Per partition with a committed offset (of `topics`, default all the group has): the committed
 * offset, the log end offset (high watermark) and the lag between them.
 */
export async function groupLag(cluster: Cluster, groupId: string, topics?: readonly string[]): Promise<PartitionLag[]> {
  const committed = await listGroupOffsets(cluster, groupId, topics);
  if (committed.length === 0) return [];
  const ends = await listOffsets(
    cluster,
    committed.map((c) => ({ topic: c.topic, partition: c.partition, timestamp: OffsetTimestamp.Latest })),
  );
  return committed.map((c) => {
    const logEndOffset = ends.get(tpKey(c.topic, c.partition))!.offset;
    return {
      topic: c.topic,
      partition: c.partition,
      committed: c.offset,
      logEndOffset,
      lag: Math.max(0, logEndOffset - c.offset),
    };
  });
}
