/**
 * Fetch (1), v4-17: reads whole batches from each partition's log by offset, up to the
 * per-partition and response byte limits (the first batch always, KIP-74), waits up to
 * max.wait.ms for min.bytes (woken by appends), and keeps incremental fetch sessions (KIP-227).
 * Records go out as the log holds them: the response references the log bytes, nothing is copied.
 */
import {
  ApiKey,
  ErrorCode,
  ZERO_UUID,
  type FetchRequest,
  type FetchResponseFetchableTopicResponseInput,
  type FetchResponsePartitionDataInput,
} from '@gregor/protocol';
import { OffsetOutOfRangeError } from '@gregor/storage';
import type { Broker } from '../broker.js';
import { partitionKey, type FetchSession, type SessionPartition } from '../fetch-sessions.js';
import type { Partition } from '../partition/partition.js';
import { defineHandler, type RequestContext } from './handler.js';

const READ_COMMITTED = 1;
/**
 * What a partition with nothing to return carries. Kafka always sends empty records, never null
 * (its MemoryRecords.EMPTY), and librdkafka (2.0) rejects a null record set ("invalid
 * MessageSetSize -1") and retries the fetch forever.
 */
const NO_RECORDS = Buffer.alloc(0);

interface Wanted {
  p: SessionPartition;
  partition: Partition | undefined;
  errorCode: number;
}

/** The partitions a request names, with their topic resolved (by name before v13, by id after). */
function requested(broker: Broker, req: FetchRequest): { wanted: SessionPartition[]; unknownIds: SessionPartition[] } {
  const wanted: SessionPartition[] = [];
  const unknownIds: SessionPartition[] = [];
  for (const t of req.topics) {
    const byId = t.topicId !== ZERO_UUID ? broker.metadata.topicById(t.topicId) : undefined;
    const name = t.topicId !== ZERO_UUID ? (byId?.name ?? '') : t.topic;
    const topicId = byId?.topicId ?? broker.metadata.topic(name)?.topicId ?? t.topicId;
    for (const p of t.partitions) {
      const sp: SessionPartition = {
        topic: name,
        topicId,
        partition: p.partition,
        fetchOffset: Number(p.fetchOffset),
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastHighWatermark: -1,
        lastLogStartOffset: -1,
      };
      (t.topicId !== ZERO_UUID && !byId ? unknownIds : wanted).push(sp);
    }
  }
  return { wanted, unknownIds };
}

function forget(session: FetchSession, broker: Broker, req: FetchRequest): void {
  for (const f of req.forgottenTopicsData) {
    const name = f.topicId !== ZERO_UUID ? broker.metadata.topicById(f.topicId)?.name : f.topic;
    if (name !== undefined) for (const p of f.partitions) session.partitions.delete(partitionKey(name, p));
  }
}

/**
 * A fetch naming a replica id is a follower's: it reads past the high watermark, so it is
 * accepted only from a follower of the partition (Kafka answers others with
 * NOT_LEADER_OR_FOLLOWER), and the offset it asks for tells the leader what it has (consumers
 * send -1).
 */
function check(broker: Broker, p: SessionPartition, replicaId: number): Wanted {
  const { partition, errorCode } = broker.replicas.servedPartition(p.topic, p.partition, p.currentLeaderEpoch);
  if (!partition) return { p, partition, errorCode };
  if (replicaId >= 0 && !partition.recordFollowerFetch(replicaId, p.fetchOffset, Date.now()))
    return { p, partition: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  return { p, partition, errorCode: ErrorCode.NONE };
}

interface ReadOutcome {
  data: FetchResponsePartitionDataInput;
  bytes: number;
  hasNews: boolean;
}

function readOne(w: Wanted, budget: number, first: boolean, isolation: number, fromFollower: boolean): ReadOutcome {
  const base = {
    partitionIndex: w.p.partition,
    abortedTransactions: isolation === READ_COMMITTED ? [] : null,
    preferredReadReplica: -1,
  };
  const { partition } = w;
  if (w.errorCode !== ErrorCode.NONE || !partition)
    return {
      data: {
        ...base,
        errorCode: w.errorCode,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        records: NO_RECORDS,
      },
      bytes: 0,
      hasNews: true,
    };
  const log = partition.log;
  const hw = log.highWatermark;
  const offsets = {
    highWatermark: BigInt(hw),
    lastStableOffset: BigInt(hw),
    logStartOffset: BigInt(log.logStartOffset),
  };
  const news = hw !== w.p.lastHighWatermark || log.logStartOffset !== w.p.lastLogStartOffset;
  const maxBytes = Math.min(w.p.partitionMaxBytes, budget);
  try {
    const read = log.read(w.p.fetchOffset, Math.max(maxBytes, 0), {
      maxOffset: fromFollower ? log.logEndOffset : hw,
      minOneBatch: first,
    });
    const bytes = read.records.length;
    return {
      data: { ...base, errorCode: ErrorCode.NONE, ...offsets, records: bytes > 0 ? read.records : NO_RECORDS },
      bytes,
      hasNews: news || bytes > 0,
    };
  } catch (err) {
    if (!(err instanceof OffsetOutOfRangeError)) throw err;
    return {
      data: { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, ...offsets, records: NO_RECORDS },
      bytes: 0,
      hasNews: true,
    };
  }
}

async function handleFetch(ctx: RequestContext, req: FetchRequest) {
  const { broker } = ctx;
  const replicaId = ctx.apiVersion >= 15 ? req.replicaState.replicaId : req.replicaId;
  const fromFollower = replicaId >= 0;
  const resolution = broker.fetchSessions.resolve(req.sessionId, req.sessionEpoch);
  if (resolution.kind === 'error')
    return { throttleTimeMs: 0, errorCode: resolution.errorCode, sessionId: req.sessionId, responses: [] };
  const { wanted, unknownIds } = requested(broker, req);
  let targets: SessionPartition[];
  let incremental = false;
  let sessionId = 0;
  if (resolution.kind === 'sessionless') targets = wanted;
  else {
    const session = resolution.session;
    sessionId = session.id;
    if (resolution.kind === 'incremental') {
      incremental = true;
      forget(session, broker, req);
    }
    for (const p of wanted) {
      const key = partitionKey(p.topic, p.partition);
      const known = session.partitions.get(key);
      if (known)
        Object.assign(known, {
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
        });
      else session.partitions.set(key, p);
    }
    targets = [...session.partitions.values()];
  }

  const deadline = Date.now() + Math.max(req.maxWaitMs, 0);
  const maxBytes = ctx.apiVersion >= 3 ? req.maxBytes : 0x7fffffff;
  for (;;) {
    const checked = targets.map((p) => check(broker, p, replicaId));
    let budget = maxBytes;
    let total = 0;
    let first = true;
    let errors = false;
    const outcomes: { w: Wanted; r: ReadOutcome }[] = [];
    for (const w of checked) {
      const r = readOne(w, budget, first, req.isolationLevel, fromFollower);
      if (r.bytes > 0) first = false;
      budget -= r.bytes;
      total += r.bytes;
      if (r.data.errorCode !== ErrorCode.NONE) errors = true;
      outcomes.push({ w, r });
    }
    const wait = deadline - Date.now();
    if (total < req.minBytes && !errors && wait > 0 && !ctx.signal.aborted) {
      const parts = checked.map((w) => w.partition).filter((p): p is Partition => p !== undefined);
      await broker.replicas.waitForAppend(parts, wait, ctx.signal);
      if (!ctx.signal.aborted && Date.now() < deadline) continue;
      if (ctx.signal.aborted) return null;
      continue;
    }
    return respond(outcomes, unknownIds, incremental, sessionId);
  }
}

function respond(
  outcomes: { w: Wanted; r: ReadOutcome }[],
  unknownIds: SessionPartition[],
  incremental: boolean,
  sessionId: number,
) {
  const topics = new Map<string, FetchResponseFetchableTopicResponseInput>();
  const add = (p: SessionPartition, data: FetchResponsePartitionDataInput): void => {
    const k = `${p.topic}\u0000${p.topicId}`;
    let t = topics.get(k);
    if (!t) topics.set(k, (t = { topic: p.topic, topicId: p.topicId, partitions: [] }));
    t.partitions.push(data);
  };
  for (const { w, r } of outcomes) {
    if (incremental && !r.hasNews) continue;
    w.p.lastHighWatermark = Number(r.data.highWatermark);
    w.p.lastLogStartOffset = Number(r.data.logStartOffset ?? -1n);
    add(w.p, r.data);
  }
  for (const p of unknownIds)
    add(p, {
      partitionIndex: p.partition,
      errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
      highWatermark: -1n,
      lastStableOffset: -1n,
      logStartOffset: -1n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: NO_RECORDS,
    });
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId, responses: [...topics.values()] };
}

export default defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  handle: handleFetch,
});
