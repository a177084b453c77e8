/**
 * `npm run bench:cluster [-- --json]`: what replication costs and how fast a cluster recovers, on
 * three broker processes and one ZooKeeper (startCluster, zookeeper.session.timeout.ms=6000).
 *
 * - Produce: RF=1 and RF=3 (min.insync.replicas=2), each with acks=1 and acks=all, 1 KiB records,
 *   a topic of 3 partitions whose leaders are the 3 brokers (explicit assignments). The load is
 *   broker-bound: pre-encoded batches of 64 records replayed to each leader over raw connections,
 *   5 requests in flight per connection; latency is per Produce request (send → response).
 * - Replication lag: during both RF=3 runs, every follower's lag in records as the leaders'
 *   /metrics report it (gregor_replica_lag_records), sampled every 100 ms.
 * - Failover: rounds of kill -9 of partition 0's leader under an idempotent acks=all load (our
 *   Producer), timed until every partition has a live leader, then the broker restarted and timed
 *   until it is back in every ISR (cluster-failover.ts).
 *
 * Environment: BENCH_CLUSTER_RECORDS (records per produce case, default 1,000,000),
 * BENCH_CLUSTER_ROUNDS (failover rounds, default 10), BENCH_CLUSTER_LOAD_RATE (records/s of the
 * failover load, default 2,000). Defaults take three to five minutes on two cores. The table goes to
 * stdout and bench/results/cluster.{md,json}; with --json the JSON goes to stdout instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@gregor/client';
import { startCluster, type TestCluster } from '@gregor/broker/testing';
import { cpuSeconds } from '@gregor/testkit/machine';
import { format, resolveConfig } from 'prettier';
import { failoverRounds, type FailoverRound } from './cluster-failover.js';
import { metadataOf, quantile, rawProduce, sampleLag } from './cluster-produce.js';

const RECORDS = Number(process.env.BENCH_CLUSTER_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 10);
const LOAD_RATE = Number(process.env.BENCH_CLUSTER_LOAD_RATE ?? 2000);
const SESSION_TIMEOUT_MS = 6000;
const SIZE = 1024;
const PER_REQUEST = 64;
const IN_FLIGHT = 5;
const MB = 1e6;
const JSON_OUT = process.argv.includes('--json');
const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

const CASES = [
  { rf: 1, acks: '1' },
  { rf: 1, acks: 'all' },
  { rf: 3, acks: '1' },
  { rf: 3, acks: 'all' },
] as const;

interface ProduceRow {
  name: string;
  records: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  brokerCpu: number;
  loadgenCpu: number;
}

interface LagRow {
  name: string;
  samples: number;
  medianRecords: number;
  p99Records: number;
  maxRecords: number;
}

const log = (line: string) => console.error(line);
const fmt = (n: number, digits = 0) =>
  Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Dirty pages written out first, so a run does not pay for the previous one's writeback. */
const settle = () => spawnSync('sync');

/** Partition p led by broker p+1 (the first replica is the preferred leader). */
const assignments = (rf: number) =>
  [0, 1, 2].map((partition) => ({
    partition,
    replicas: Array.from({ length: rf }, (_, i) => ((partition + i) % 3) + 1),
  }));

async function createTopic(cluster: TestCluster, admin: Admin, topic: string, rf: number): Promise<number[]> {
  await admin.createTopics([
    { topic, assignments: assignments(rf), configs: rf > 1 ? { 'min.insync.replicas': '2' } : {} },
  ]);
  // Ready when every partition is led by its preferred replica and (RF=3) all replicas are in sync.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const parts = await metadataOf(cluster.brokers[0]!.port, topic)
      .then((m) => m.partitions)
      .catch(() => []);
    if (parts.length === 3 && parts.every((p) => p.leader === p.partition + 1 && p.isr.length === rf))
      return parts.map((p) => cluster.broker(p.leader).port);
    if (Date.now() > deadline) throw new Error(`${topic}: leaders not in place: ${JSON.stringify(parts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const brokerCpu = (cluster: TestCluster) =>
  cluster.brokers.reduce((sum, b) => sum + cpuSeconds(b.process?.child.pid ?? -1), 0);

async function produceCases(cluster: TestCluster, admin: Admin): Promise<{ rows: ProduceRow[]; lag: LagRow[] }> {
  const rows: ProduceRow[] = [];
  const lag: LagRow[] = [];
  const metricsPorts = cluster.brokers.map((b) => b.process!.metricsPort);
  const warmup = await createTopic(cluster, admin, 'bench-warmup', 1);
  log(`warming up (${Math.ceil(RECORDS / 10)} records) …`);
  await rawProduce({
    topic: 'bench-warmup',
    leaderPorts: warmup,
    size: SIZE,
    count: Math.ceil(RECORDS / 10),
    acks: 1,
    perRequest: PER_REQUEST,
    inFlight: IN_FLIGHT,
  });
  await admin.deleteTopics(['bench-warmup']);
  for (const { rf, acks } of CASES) {
    const name = `RF=${rf} acks=${acks}${rf > 1 ? ' (min.insync.replicas=2)' : ''}`;
    const topic = `bench-rf${rf}-acks${acks}`;
    const leaders = await createTopic(cluster, admin, topic, rf);
    settle();
    log(`produce ${RECORDS} × ${SIZE} B, ${name} …`);
    const sampler = rf > 1 ? sampleLag(metricsPorts, topic, 100) : undefined;
    const cpu0 = brokerCpu(cluster);
    const r = await rawProduce({
      topic,
      leaderPorts: leaders,
      size: SIZE,
      count: RECORDS,
      acks: acks === 'all' ? -1 : 1,
      perRequest: PER_REQUEST,
      inFlight: IN_FLIGHT,
    });
    const cpu = brokerCpu(cluster) - cpu0;
    rows.push({
      name,
      records: r.records,
      seconds: r.seconds,
      p50Ms: quantile(r.latenciesMs, 0.5),
      p99Ms: quantile(r.latenciesMs, 0.99),
      maxMs: r.latenciesMs.at(-1) ?? NaN,
      brokerCpu: cpu,
      loadgenCpu: r.cpu,
    });
    if (sampler) {
      const samples = await sampler.stop();
      lag.push({
        name: `during ${name}`,
        samples: samples.length,
        medianRecords: quantile(samples, 0.5),
        p99Records: quantile(samples, 0.99),
        maxRecords: samples.at(-1) ?? NaN,
      });
    }
    await admin.deleteTopics([topic]);
  }
  return { rows, lag };
}

function markdown(
  header: string,
  rows: ProduceRow[],
  lag: LagRow[],
  failover: { rounds: FailoverRound[]; acked: number; failed: number; firstError: string },
): string {
  const out = [header, ''];
  out.push(
    '| produce, 1 KiB records | records/s | MB/s | request p50 ms | p99 ms | max ms | brokers CPU | load-gen CPU |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows)
    out.push(
      `| ${r.name} | ${fmt(r.records / r.seconds)} | ${fmt((r.records * SIZE) / r.seconds / MB)} | ${fmt(r.p50Ms, 1)} | ` +
        `${fmt(r.p99Ms, 1)} | ${fmt(r.maxMs, 1)} | ${fmt((r.brokerCpu / r.seconds) * 100)}% | ${fmt((r.loadgenCpu / r.seconds) * 100)}% |`,
    );
  out.push('', '| follower lag (records) | samples | median | p99 | max |', '| --- | ---: | ---: | ---: | ---: |');
  for (const l of lag)
    out.push(`| ${l.name} | ${l.samples} | ${fmt(l.medianRecords)} | ${fmt(l.p99Records)} | ${fmt(l.maxRecords)} |`);
  const ms = (pick: (r: FailoverRound) => number) => {
    const sorted = failover.rounds.map(pick).sort((a, b) => a - b);
    return `${fmt(quantile(sorted, 0.5))} | ${fmt(sorted.at(-1) ?? NaN)}`;
  };
  const controllers = failover.rounds.filter((r) => r.wasController).length;
  out.push(
    '',
    `| failover, ${failover.rounds.length} kills of partition 0's leader | median ms | worst ms |`,
    '| --- | ---: | ---: |',
    `| kill -9 → every partition led by a live broker | ${ms((r) => r.failoverMs)} |`,
    `| nominal session expiry (kill + ${SESSION_TIMEOUT_MS} ms) → last new leader | ${ms((r) => r.failoverMs - SESSION_TIMEOUT_MS)} |`,
    `| controller sees the session expire (its log) → last new leader | ${ms((r) => r.expiryToLeadersMs)} |`,
    `| restart → back in every ISR | ${ms((r) => r.rejoinMs)} |`,
    `| longest record delivery in the round (idempotent acks=all load) | ${ms((r) => r.longestDeliveryMs)} |`,
    '',
    'ZooKeeper counts the session timeout from the last heartbeat the broker sent (every third of the ' +
      'timeout) and expires sessions on its 500 ms tick, so a session ends 4–6.5 s after a kill -9: ' +
      '"nominal" can be negative. Leaders are seen in a survivor\'s Metadata, polled every 50 ms.',
    '',
    `Failover load: ${fmt(failover.acked)} records acknowledged, ${fmt(failover.failed)} failed` +
      `${failover.firstError ? ` (first: ${failover.firstError})` : ''}; the victim was also the controller in ` +
      `${controllers} of ${failover.rounds.length} rounds. Victims: ${failover.rounds.map((r) => r.victim).join(', ')}.`,
  );
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  log('starting ZooKeeper and 3 brokers …');
  const cluster = await startCluster({
    brokers: 3,
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
    overrides: { 'metrics.port': '0' },
  });
  // Ctrl-C still stops the brokers and ZooKeeper and removes their data.
  const interrupted = () => void cluster.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const admin = new Admin({ brokers: cluster.brokers.map((b) => `127.0.0.1:${b.port}`) });
  try {
    const { rows, lag } = await produceCases(cluster, admin);
    await createTopic(cluster, admin, 'bench-failover', 3);
    const failover = await failoverRounds({
      cluster,
      topic: 'bench-failover',
      rounds: ROUNDS,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      size: SIZE,
      rate: LOAD_RATE,
      log,
    });
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const header = [
      `Cluster benchmark, ${new Date().toISOString()}`,
      `Machine: ${cpus().length} × ${cpu}, node ${process.version}; 3 brokers and 1 ZooKeeper on this machine, ` +
        `zookeeper.session.timeout.ms=${SESSION_TIMEOUT_MS}; ${fmt(RECORDS)} records per produce case, pre-encoded ` +
        `batches of ${PER_REQUEST}, ${IN_FLIGHT} requests in flight per leader; failover load ${fmt(LOAD_RATE)} records/s; ` +
        'MB = 10^6 bytes of record values; CPU 100% = one core.',
      `1-minute load average: ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after ` +
        '(anything else running on the machine shows here, and in the figures).',
    ].join('\n');
    const md = markdown(header, rows, lag, failover);
    const jsonPath = join(RESULTS_DIR, 'cluster.json');
    const json = await format(
      JSON.stringify({
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu, node: process.version, loadAverage: [load0, loadavg()[0]] },
        settings: { records: RECORDS, recordBytes: SIZE, perRequest: PER_REQUEST, inFlight: IN_FLIGHT },
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        produce: rows.map((r) => ({
          ...r,
          recordsPerSec: r.records / r.seconds,
          mbPerSec: (r.records * SIZE) / r.seconds / MB,
        })),
        replicationLag: lag,
        failover,
      }),
      { ...(await resolveConfig(jsonPath)), parser: 'json' },
    );
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'cluster.md'), md);
    writeFileSync(jsonPath, json);
    if (JSON_OUT) process.stdout.write(json);
    else console.log(`\n${md}`);
    log(`wrote ${join(RESULTS_DIR, 'cluster.{md,json}')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await admin.close().catch(() => undefined);
    await cluster.stop();
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }
}

await main();
