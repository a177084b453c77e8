/**
 * Where a new partition's replicas go (Kafka's `AdminUtils.assignReplicasToBrokers`): replicas
 * spread round-robin over the brokers from a random start, the second replica shifted so that
 * leaders and followers of consecutive partitions land on different brokers, and with racks
 * (`broker.rack`) the brokers interleaved rack by rack so that each partition's replicas span as
 * many racks as there are. The first replica of each list is the preferred leader.
 */
export interface BrokerPlacement {
  nodeId: number;
  rack: string | null;
}

export class AssignmentError extends Error {
  constructor(
    /** INVALID_REPLICATION_FACTOR or INVALID_REPLICA_ASSIGNMENT. */
    readonly kind: 'replication-factor' | 'replica-assignment',
    message: string,
  ) {
    super(message);
    this.name = 'AssignmentError';
  }
}

export interface AssignmentOptions {
  /** The first partition id to assign (when adding partitions to a topic). */
  startPartition?: number;
  /** Fixes the random start and shift (tests, reproducible plans). */
  fixedStartIndex?: number;
  random?: () => number;
}

/** Partition id → replica broker ids, for `partitions` partitions from `startPartition`. */
export function assignReplicas(
  brokers: readonly BrokerPlacement[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions = {},
): Map<number, number[]> {
  if (partitions <= 0) throw new AssignmentError('replica-assignment', 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0)
    throw new AssignmentError('replication-factor', 'Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length)
    throw new AssignmentError(
      'replication-factor',
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  const withRack = brokers.filter((b) => b.rack !== null).length;
  if (withRack === 0)
    return rackUnaware(
      brokers.map((b) => b.nodeId),
      partitions,
      replicationFactor,
      options,
    );
  if (withRack < brokers.length)
    throw new AssignmentError(
      'replica-assignment',
      'Not all brokers have rack information for replica rack aware assignment.',
    );
  return rackAware(brokers, partitions, replicationFactor, options);
}

/**
 * Each partition's first-replica index and the shift of its followers: a random start (or the
 * fixed one) and a shift that grows by one every time the partitions wrap around the brokers.
 */
function* layout(
  n: number,
  partitions: number,
  options: AssignmentOptions,
): Generator<{ partition: number; first: number; shift: number }> {
  const random = options.random ?? Math.random;
  const pick = () => (options.fixedStartIndex !== undefined ? options.fixedStartIndex : Math.floor(random() * n));
  const startIndex = pick();
  let shift = pick();
  let partition = Math.max(0, options.startPartition ?? 0);
  for (let i = 0; i < partitions; i++, partition++) {
    if (partition > 0 && partition % n === 0) shift++;
    yield { partition, first: (partition + startIndex) % n, shift };
  }
}

/** The index of the (j+2)-th replica: never the first replica's broker. */
function replicaIndex(firstIndex: number, secondShift: number, j: number, n: number): number {
  const shift = 1 + ((secondShift + j) % (n - 1));
  return (firstIndex + shift) % n;
}

function rackUnaware(
  brokerIds: number[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions,
): Map<number, number[]> {
  const ids = [...brokerIds].sort((a, b) => a - b);
  const n = ids.length;
  const out = new Map<number, number[]>();
  for (const { partition, first, shift } of layout(n, partitions, options)) {
    const replicas = [ids[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(ids[replicaIndex(first, shift, j, n)]!);
    out.set(partition, replicas);
  }
  return out;
}

/** Brokers ordered rack by rack (racks sorted, brokers sorted within each): r1b1, r2b1, r1b2, … */
export function rackAlternatedBrokers(brokers: readonly BrokerPlacement[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of brokers) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b.nodeId);
    byRack.set(b.rack!, list);
  }
  const racks = [...byRack.keys()].sort();
  for (const r of racks) byRack.get(r)!.sort((a, b) => a - b);
  const out: number[] = [];
  for (let round = 0; out.length < brokers.length; round++)
    for (const r of racks) {
      const id = byRack.get(r)![round];
      if (id !== undefined) out.push(id);
    }
  return out;
}

function rackAware(
  brokers: readonly BrokerPlacement[],
  partitions: number,
  replicationFactor: number,
  options: AssignmentOptions,
): Map<number, number[]> {
  const rackOf = new Map(brokers.map((b) => [b.nodeId, b.rack!]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokers(brokers);
  const n = arranged.length;
  const out = new Map<number, number[]>();
  for (const { partition, first, shift } of layout(n, partitions, options)) {
    const leader = arranged[first]!;
    const replicas = [leader];
    const racksUsed = new Set([rackOf.get(leader)!]);
    const brokersUsed = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(first, shift * numRacks, k, n)]!;
        const rack = rackOf.get(broker)!;
        k++;
        // A new rack first, a rack twice only once every rack holds a replica; likewise brokers.
        if (
          (!racksUsed.has(rack) || racksUsed.size === numRacks) &&
          (!brokersUsed.has(broker) || brokersUsed.size === n)
        ) {
          replicas.push(broker);
          racksUsed.add(rack);
          brokersUsed.add(broker);
          break;
        }
      }
    }
    out.set(partition, replicas);
  }
  return out;
}
