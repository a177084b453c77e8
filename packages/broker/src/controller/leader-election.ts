/**
 * How the controller picks a partition's leader (Kafka's `PartitionLeaderElectionAlgorithms`).
 * Each returns the new leader's id, or undefined when no replica qualifies (the partition stays
 * offline). Replicas are tried in assignment order, so the preferred replica wins when it can.
 */
export interface ElectionInput {
  /** The partition's replicas in assignment (preference) order. */
  replicas: readonly number[];
  isr: readonly number[];
  /** Brokers that are alive (registered in ZooKeeper, or this broker when embedded). */
  live: ReadonlySet<number>;
}

export interface Election {
  leader: number;
  /** The ISR after the election: unchanged, or the new leader alone after an unclean election. */
  isr: number[];
  /** True when the leader came from outside the ISR (data not on it may be lost). */
  unclean: boolean;
}

/**
 * A partition whose leader is gone: the first live ISR member; with `uncleanAllowed`
 * (`unclean.leader.election.enable`), failing that the first live replica, which becomes the ISR.
 */
export function electOffline(input: ElectionInput, uncleanAllowed: boolean): Election | undefined {
  const clean = input.replicas.find((id) => input.live.has(id) && input.isr.includes(id));
  if (clean !== undefined) return { leader: clean, isr: input.isr.filter((id) => input.live.has(id)), unclean: false };
  if (!uncleanAllowed) return undefined;
  const any = input.replicas.find((id) => input.live.has(id));
  return any === undefined ? undefined : { leader: any, isr: [any], unclean: true };
}

/** ElectLeaders(PREFERRED) and auto leader rebalance: the first replica, only if live and in the ISR. */
export function electPreferred(input: ElectionInput): Election | undefined {
  const preferred = input.replicas[0];
  if (preferred === undefined || !input.live.has(preferred) || !input.isr.includes(preferred)) return undefined;
  return { leader: preferred, isr: [...input.isr], unclean: false };
}

/** Controlled shutdown: the first live ISR member that is not shutting down; the leaver leaves the ISR. */
export function electForShutdown(input: ElectionInput, shuttingDown: ReadonlySet<number>): Election | undefined {
  const leader = input.replicas.find((id) => input.live.has(id) && input.isr.includes(id) && !shuttingDown.has(id));
  if (leader === undefined) return undefined;
  return { leader, isr: input.isr.filter((id) => !shuttingDown.has(id)), unclean: false };
}

/** After a reassignment: the first live ISR member of the target replicas. */
export function electForReassignment(target: readonly number[], input: ElectionInput): Election | undefined {
  const leader = target.find((id) => input.live.has(id) && input.isr.includes(id));
  return leader === undefined ? undefined : { leader, isr: [...input.isr], unclean: false };
}
