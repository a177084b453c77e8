/**
 * What a partition leader knows about its followers (Kafka's `Replica` state on the leader): each
 * follower's log end offset, learnt from the offsets its fetches ask for, and when it last caught
 * up with the leader. From these come the high watermark (the smallest log end offset in the ISR)
 * and the ISR changes the leader asks the controller for: a follower that has not caught up for
 * `replica.lag.time.max.ms` leaves, one that reached the high watermark and the current leader
 * epoch comes back.
 */
export interface FollowerState {
  /** The follower's log end offset; -1 until its first fetch under this leadership. */
  logEndOffset: number;
  /** When the follower last had everything the leader had (ms). */
  lastCaughtUpMs: number;
  /** The leader's log end offset at the follower's previous fetch. */
  leaderEndAtLastFetch: number;
  lastFetchMs: number;
}

export class FollowerTracker {
  private readonly followers = new Map<number, FollowerState>();

  /** A new leadership: every follower unknown, ISR members counted as caught up now (as Kafka does). */
  reset(replicas: readonly number[], isr: readonly number[], selfId: number, now: number): void {
    this.followers.clear();
    for (const id of replicas)
      if (id !== selfId)
        this.followers.set(id, {
          logEndOffset: -1,
          lastCaughtUpMs: isr.includes(id) ? now : 0,
          leaderEndAtLastFetch: -1,
          lastFetchMs: 0,
        });
  }

  clear(): void {
    this.followers.clear();
  }

  get(id: number): FollowerState | undefined {
    return this.followers.get(id);
  }

  /**
   * A follower fetched from `fetchOffset`, so it has everything before it. It is caught up when it
   * asked for the leader's end, or for at least what the leader had at its previous fetch (then it
   * was caught up as of that fetch). False when `id` is not a follower of this partition.
   */
  recordFetch(id: number, fetchOffset: number, leaderEnd: number, now: number): boolean {
    const f = this.followers.get(id);
    if (!f) return false;
    if (fetchOffset >= leaderEnd) f.lastCaughtUpMs = now;
    else if (f.leaderEndAtLastFetch >= 0 && fetchOffset >= f.leaderEndAtLastFetch)
      f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.leaderEndAtLastFetch = leaderEnd;
    f.lastFetchMs = now;
    f.logEndOffset = fetchOffset;
    return true;
  }

  /**
   * The high watermark the ISR allows: the smallest log end offset among `isr` (the leader's own
   * `leaderEnd` included). A member whose offset is not known yet holds it at `current`.
   */
  highWatermark(isr: readonly number[], selfId: number, leaderEnd: number, current: number): number {
    let hw = leaderEnd;
    for (const id of isr) {
      if (id === selfId) continue;
      const f = this.followers.get(id);
      hw = Math.min(hw, f && f.logEndOffset >= 0 ? f.logEndOffset : current);
    }
    return Math.max(Math.min(hw, leaderEnd), Math.min(current, leaderEnd));
  }

  /** ISR members (other than the leader) that have not caught up within `maxLagMs`. */
  laggards(isr: readonly number[], selfId: number, now: number, maxLagMs: number): number[] {
    return isr.filter((id) => {
      if (id === selfId) return false;
      const f = this.followers.get(id);
      return !f || now - f.lastCaughtUpMs > maxLagMs;
    });
  }

  /** Followers outside the ISR that may join it: caught up to the high watermark and to this leader's epoch. */
  joiners(isr: readonly number[], highWatermark: number, epochStartOffset: number): number[] {
    const out: number[] = [];
    for (const [id, f] of this.followers)
      if (!isr.includes(id) && f.logEndOffset >= highWatermark && f.logEndOffset >= epochStartOffset) out.push(id);
    return out;
  }

  /** Per-follower log end offsets (for metrics and DescribeQuorum-like views). */
  entries(): [number, FollowerState][] {
    return [...this.followers];
  }
}
