/**
 * Prometheus metrics: requests and latency per API, bytes in and out, connections, and per
 * partition and consumer group the log offsets, sizes and lag. Served at /metrics (with /health
 * and /ready, see ops-server.ts) when `metrics.port` is set.
 */
import { Apis } from '@gregor/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One partition log as the metrics see it. */
export interface PartitionStats {
  topic: string;
  partition: number;
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  sizeBytes: number;
}

/** Replication as this broker sees it: partitions it leads, its followers, the controller's view. */
export interface ReplicationStats {
  /** Partitions led here whose ISR is smaller than their replica set. */
  underReplicated: number;
  /** Partitions led here whose ISR is below min.insync.replicas. */
  underMinIsr: number;
  /** 1 on the active controller. */
  activeController: number;
  /** On the controller: partitions without a live leader; elsewhere 0. */
  offlinePartitions: number;
  /** Per follower of a partition led here: the leader's log end − the follower's. */
  followerLag: { topic: string; partition: number; replica: number; lag: number }[];
}

export interface CommittedOffsetStats {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

/** What the scrape-time gauges read from the broker. */
export interface MetricsView {
  partitions(): PartitionStats[];
  replication(): ReplicationStats;
  committedOffsets(): CommittedOffsetStats[];
}

const apiName = (key: number): string => (Apis as Record<number, { name: string }>)[key]?.name ?? String(key);

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gregor_requests_total',
    help: 'Requests handled, by API',
    labelNames: ['api'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'gregor_request_duration_seconds',
    help: 'Time from a request being read to its response being queued, by API',
    labelNames: ['api'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: 'gregor_bytes_in_total',
    help: 'Request bytes read',
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: 'gregor_bytes_out_total',
    help: 'Response bytes written',
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'gregor_connections',
    help: 'Open client connections',
    registers: [this.registry],
  });
  readonly protocolErrors = new Counter({
    name: 'gregor_protocol_errors_total',
    help: 'Connections closed for a malformed or unsupported request',
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: 'gregor_records_in_total',
    help: 'Records appended, by topic',
    labelNames: ['topic'],
    registers: [this.registry],
  });

  /** Kafka's IsrShrinksPerSec / IsrExpandsPerSec, as counters (label: topic). */
  readonly isrShrinks = new Counter({
    name: 'gregor_isr_shrinks_total',
    help: 'ISR shrinks committed for partitions led here (Kafka: ReplicaManager IsrShrinksPerSec)',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly isrExpands = new Counter({
    name: 'gregor_isr_expands_total',
    help: 'ISR expansions committed for partitions led here (Kafka: ReplicaManager IsrExpandsPerSec)',
    labelNames: ['topic'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gregor_process_' });
  }

  /**
   * Per-partition and per-group gauges, read from the broker at scrape time. Names follow
   * Kafka's MBeans (kafka.log:type=Log,name=LogEndOffset|LogStartOffset|Size) and its
   * consumer-group tool (committed offset, lag = high watermark − committed offset).
   */
  attach(view: MetricsView): void {
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          fill(this);
        },
      });
    };
    const byPartition =
      (fill: (g: Gauge, p: PartitionStats, labels: { topic: string; partition: string }) => void) => (g: Gauge) => {
        for (const p of view.partitions()) fill(g, p, { topic: p.topic, partition: String(p.partition) });
      };
    gauge(
      'gregor_partition_size_bytes',
      'Bytes on disk per partition log (label topic-partition)',
      ['partition'],
      (g) => {
        for (const p of view.partitions()) g.set({ partition: `${p.topic}-${p.partition}` }, p.sizeBytes);
      },
    );
    gauge(
      'gregor_log_size_bytes',
      'Bytes on disk of a partition log (Kafka: Log Size)',
      ['topic', 'partition'],
      byPartition((g, p, labels) => g.set(labels, p.sizeBytes)),
    );
    gauge(
      'gregor_log_end_offset',
      'Offset the next record gets (Kafka: Log LogEndOffset)',
      ['topic', 'partition'],
      byPartition((g, p, labels) => g.set(labels, p.logEndOffset)),
    );
    gauge(
      'gregor_log_start_offset',
      'First offset still in the log (Kafka: Log LogStartOffset)',
      ['topic', 'partition'],
      byPartition((g, p, labels) => g.set(labels, p.logStartOffset)),
    );
    gauge(
      'gregor_log_high_watermark',
      'Offset up to which consumers may read',
      ['topic', 'partition'],
      byPartition((g, p, labels) => g.set(labels, p.highWatermark)),
    );
    const one = (name: string, help: string, read: (r: ReplicationStats) => number): void =>
      gauge(name, help, [], (g) => g.set(read(view.replication())));
    one(
      'gregor_under_replicated_partitions',
      'Partitions led here with fewer in-sync replicas than replicas (Kafka: UnderReplicatedPartitions)',
      (r) => r.underReplicated,
    );
    one(
      'gregor_under_min_isr_partitions',
      'Partitions led here with fewer in-sync replicas than min.insync.replicas (Kafka: UnderMinIsrPartitionCount)',
      (r) => r.underMinIsr,
    );
    one(
      'gregor_active_controller',
      '1 on the active controller (Kafka: ActiveControllerCount)',
      (r) => r.activeController,
    );
    one(
      'gregor_offline_partitions',
      'On the controller, partitions without a live leader (Kafka: OfflinePartitionsCount)',
      (r) => r.offlinePartitions,
    );
    gauge(
      'gregor_replica_lag_records',
      'Per follower of a partition led here: records it is behind the leader',
      ['topic', 'partition', 'replica'],
      (g) => {
        for (const f of view.replication().followerLag)
          g.set({ topic: f.topic, partition: String(f.partition), replica: String(f.replica) }, f.lag);
      },
    );
    const groupLabels = ['group', 'topic', 'partition'];
    gauge('gregor_consumer_group_committed_offset', 'Offset a consumer group has committed', groupLabels, (g) => {
      for (const c of view.committedOffsets())
        g.set({ group: c.group, topic: c.topic, partition: String(c.partition) }, c.offset);
    });
    gauge(
      'gregor_consumer_group_lag',
      'Records a group has yet to consume: high watermark − committed offset',
      groupLabels,
      (g) => {
        const highWatermarks = new Map(
          view.partitions().map((p) => [`${p.topic}\u0000${p.partition}`, p.highWatermark]),
        );
        for (const c of view.committedOffsets()) {
          const hw = highWatermarks.get(`${c.topic}\u0000${c.partition}`);
          // Offsets of deleted topics or partitions this broker does not lead have no lag to show.
          if (hw !== undefined)
            g.set({ group: c.group, topic: c.topic, partition: String(c.partition) }, Math.max(0, hw - c.offset));
        }
      },
    );
  }

  observeRequest(apiKey: number, bytes: number, startedNs: bigint): void {
    const api = apiName(apiKey);
    this.requests.inc({ api });
    this.bytesIn.inc(bytes + 4);
    this.latency.observe({ api }, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }
}
