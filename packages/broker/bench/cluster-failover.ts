/**
 * The failover part of `npm run bench:cluster`: rounds of kill -9 of partition 0's leader under
 * an idempotent acks=all load (our Producer), each timed until every partition is led by a live
 * broker again (Metadata from a survivor, polled every 50 ms), then the broker restarted and
 * timed until it is back in every ISR.
 */
import { performance } from 'node:perf_hooks';
import { Producer } from '@gregor/client';
import type { TestCluster } from '@gregor/broker/testing';
import { metadataOf, type PartitionState } from './cluster-produce.js';

export interface FailoverRound {
  victim: number;
  /** The victim was the controller too, so a controller election came first. */
  wasController: boolean;
  /** kill -9 → every partition has a live leader (as a survivor's Metadata says). */
  failoverMs: number;
  /**
   * The controller noticing the expired session (its 'brokers changed' log line, or a new
   * controller's 'became the controller' when the victim held that role) → every partition led.
   */
  expiryToLeadersMs: number;
  /** restart → the victim is in every partition's ISR again. */
  rejoinMs: number;
  /** The longest send → acknowledgement of a record sent during the round. */
  longestDeliveryMs: number;
}

const POLL_MS = 50;

/**
 * When a survivor first logged, at or after `sinceMs` (wall clock), that it saw `victim`'s session
 * end: as controller ('brokers changed' naming it dead) or by taking over the role. NaN if none.
 */
function expirySeenAt(cluster: TestCluster, victim: number, sinceMs: number): number {
  const times: number[] = [];
  for (const b of cluster.brokers)
    if (b.id !== victim)
      for (const line of b.runs.at(-1) ?? []) {
        try {
          const e = JSON.parse(line) as { time?: number; msg?: string; dead?: number[] };
          if (e.time === undefined || e.time < sinceMs) continue;
          if (
            e.msg?.startsWith('became the controller') ||
            (e.msg?.startsWith('brokers changed') && e.dead?.includes(victim))
          )
            times.push(e.time);
        } catch {
          // not a log line
        }
      }
  return times.length > 0 ? Math.min(...times) : NaN;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const ledBy = (parts: PartitionState[], ok: (leader: number) => boolean) =>
  parts.length > 0 && parts.every((p) => p.leader >= 0 && ok(p.leader));

/**
 * A steady idempotent acks=all load of `rate` records/s of `size` bytes, spread over the
 * partitions by the default partitioner; at most `rate` records are outstanding, so a stalled
 * partition holds the load back rather than piling it up.
 */
function startLoad(bootstrap: string[], topic: string, size: number, rate: number) {
  const producer = new Producer({ brokers: bootstrap, acks: -1, idempotent: true, clientId: 'bench-cluster-load' });
  const value = Buffer.alloc(size, 120);
  const stats = { acked: 0, failed: 0, longestMs: 0, firstError: '' };
  let outstanding = 0;
  const perTick = Math.max(1, Math.round(rate / 50));
  const timer = setInterval(() => {
    for (let i = 0; i < perTick && outstanding < rate; i++) {
      outstanding++;
      const sentAt = performance.now();
      producer.send({ topic, value }).then(
        () => {
          outstanding--;
          stats.acked++;
          stats.longestMs = Math.max(stats.longestMs, performance.now() - sentAt);
        },
        (err: unknown) => {
          outstanding--;
          stats.failed++;
          stats.firstError ||= String(err);
        },
      );
    }
  }, 20);
  return {
    stats,
    /** Resets the longest delivery, for a new round. */
    resetLongest() {
      stats.longestMs = 0;
    },
    async stop() {
      clearInterval(timer);
      await producer.close();
    },
  };
}

export async function failoverRounds(options: {
  cluster: TestCluster;
  topic: string;
  rounds: number;
  sessionTimeoutMs: number;
  size: number;
  rate: number;
  log: (line: string) => void;
}): Promise<{ rounds: FailoverRound[]; acked: number; failed: number; firstError: string }> {
  const { cluster, topic, rounds: count, sessionTimeoutMs, log } = options;
  const livePorts = () => cluster.brokers.filter((b) => b.process).map((b) => b.port);
  const load = startLoad(
    livePorts().map((p) => `127.0.0.1:${p}`),
    topic,
    options.size,
    options.rate,
  );
  const rounds: FailoverRound[] = [];
  try {
    await until('the load to be acknowledged', 30_000, async () =>
      load.stats.acked > options.rate ? true : undefined,
    );
    for (let round = 1; round <= count; round++) {
      const before = await metadataOf(livePorts()[0]!, topic);
      const victim = before.partitions[0]!.leader;
      const survivor = cluster.brokers.find((b) => b.process && b.id !== victim)!;
      load.resetLongest();
      const killedAt = performance.now();
      const killedWall = Date.now();
      await cluster.kill(victim);
      await until(`new leaders after killing broker ${victim}`, sessionTimeoutMs + 30_000, async () =>
        ledBy((await metadataOf(survivor.port, topic)).partitions, (l) => l !== victim) ? true : undefined,
      );
      const failoverMs = performance.now() - killedAt;
      const ledWall = Date.now();
      const restartedAt = performance.now();
      await cluster.restart(victim);
      await until(`broker ${victim} back in every ISR`, 120_000, async () => {
        const parts = (await metadataOf(survivor.port, topic)).partitions;
        return ledBy(parts, () => true) && parts.every((p) => p.isr.includes(victim)) ? true : undefined;
      });
      const rejoinMs = performance.now() - restartedAt;
      // Read after the rejoin wait, so the survivors' log lines have surely arrived.
      const expiryToLeadersMs = ledWall - expirySeenAt(cluster, victim, killedWall);
      rounds.push({
        victim,
        wasController: before.controllerId === victim,
        failoverMs,
        expiryToLeadersMs,
        rejoinMs,
        longestDeliveryMs: load.stats.longestMs,
      });
      log(
        `failover round ${round} of ${count}: broker ${victim}${before.controllerId === victim ? ' (controller)' : ''} ` +
          `killed, partitions led again in ${failoverMs.toFixed(0)} ms ` +
          `(${expiryToLeadersMs.toFixed(0)} ms after the controller saw the session expire), back in every ISR ${rejoinMs.toFixed(0)} ms after restart`,
      );
    }
  } finally {
    await load.stop();
  }
  return { rounds, acked: load.stats.acked, failed: load.stats.failed, firstError: load.stats.firstError };
}
