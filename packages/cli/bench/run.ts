/**
 * `npm run bench`: every benchmark in one go, each figure beside this machine's limits measured in
 * the same run. Writes packages/cli/bench/results/bench.{md,json}.
 *
 * - Machine limits: loopback TCP between two node processes (512 MiB in 1 MiB writes) and
 *   sequential file append (256 MiB of 1 MiB writeSync, then fsync) next to the broker's data:
 *   the same two measurements as packages/broker/bench/broker.bench.ts, at smaller volumes (its
 *   functions are not exported; that file runs its whole suite when imported).
 * - The broker runs as its own process (`npm start`'s entry via the test kit's spawnBroker) with
 *   default settings; its RSS is sampled every 100 ms and its peak (VmHWM) read at the end.
 * - Throughput, produce and consume, 100 B and 1 KiB records, acks=1 and acks=all, 4 partitions,
 *   no compression, one client at a time, with two load generators so that neither client is
 *   mistaken for the broker's limit: our client (`gregor perf`'s functions, in this process, with
 *   the client's defaults), and librdkafka through python3 confluent-kafka (linger 5 ms, 1 MiB
 *   batches) when installed.
 * - Produce latency (send → acknowledgement) with our client throttled to half of its own peak.
 * - End-to-end latency: our producer at 1,000 records/s (linger 0) and our consumer in this
 *   process; each value carries its send time.
 * - Rebalance time: `benchRebalance()` from packages/broker/bench/rebalance.bench.ts (kafkajs).
 *
 * One run per figure (not a median): the whole suite takes about two minutes on 2 cores.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnBroker, type SpawnedBroker } from '@gregor/broker/testing';
import { Admin, Consumer, Producer } from '@gregor/client';
import { format, resolveConfig } from 'prettier';
import { benchRebalance, type RebalanceRow } from '@gregor/testkit/rebalance';
import { consumerPerf, LatencyRecorder, producerPerf, type LatencySummary } from '../src/index.js';
import { cpuSeconds, measureFileAppend, measureLoopbackTcp, memory } from '@gregor/testkit/machine';

const MiB = 1024 * 1024;
const MB = 1e6;
const PARTITIONS = 4;
const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, 'results');
const SIZES = [
  { size: 100, ours: 300_000, librdkafka: 1_000_000 },
  { size: 1024, ours: 100_000, librdkafka: 300_000 },
];
const ACKS = ['1', 'all'] as const;
type AcksName = (typeof ACKS)[number];

// ---------------------------------------------------------------------------------------------
// Machine limits

async function loopbackTcp(bytes: number): Promise<number> {
  const r = await measureLoopbackTcp(bytes);
  return r.bytes / r.seconds / MB;
}

function fileAppend(dir: string, bytes: number): number {
  const r = measureFileAppend(dir, bytes);
  return r.bytes / r.seconds / MB;
}

// ---------------------------------------------------------------------------------------------
// librdkafka (python3 confluent-kafka)

function findPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3'])
    if (spawnSync(python, ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0) return python;
  return undefined;
}

function librdkafka(python: string, args: string[]): Promise<{ records: number; bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(HERE, 'librdkafka_perf.py'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { records: number; bytes: number; seconds: number })
        : reject(new Error(`librdkafka_perf.py ${args.join(' ')} exited ${code}: ${err.slice(-1000)}`)),
    );
  });
}

// ---------------------------------------------------------------------------------------------

interface ThroughputRow {
  generator: string;
  op: 'produce' | 'consume';
  size: number;
  acks: AcksName | '';
  records: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  vsLoopback: number;
  vsFileAppend: number;
  /** Broker CPU while measuring, 1 = one core. */
  brokerCpu: number;
}

interface LatencyRow {
  size: number;
  acks: AcksName;
  targetPerSec: number;
  achievedPerSec: number;
  latency: LatencySummary;
}

/** End-to-end: our producer at a fixed rate, our consumer reading as it goes; values carry the send time. */
async function endToEnd(bootstrap: string, topic: string, perSec: number, seconds: number): Promise<LatencySummary> {
  const producer = new Producer({ brokers: [bootstrap], acks: 1, lingerMs: 0 });
  const consumer = new Consumer({ brokers: [bootstrap], autoOffsetReset: 'latest', maxWaitMs: 500 });
  const total = perSec * seconds;
  const latencies = new LatencyRecorder(total);
  await producer.connect();
  await consumer.connect();
  const info = await consumer.cluster.topic(topic);
  consumer.assign(info.partitions.map((p) => ({ topic, partition: p.partition, offset: 'latest' as const })));
  await consumer.poll(200); // positions looked up before the first record is sent
  let received = 0;
  const reading = (async () => {
    const deadline = performance.now() + (seconds + 10) * 1000;
    while (received < total && performance.now() < deadline)
      for (const r of await consumer.poll(500)) {
        latencies.record(performance.now() - r.value!.readDoubleLE(0));
        received++;
      }
  })();
  const start = performance.now();
  const deliveries: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const ahead = start + (i / perSec) * 1000 - performance.now();
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    const value = Buffer.alloc(100);
    value.writeDoubleLE(performance.now(), 0);
    deliveries.push((await producer.enqueue({ topic, value })).delivery);
  }
  await Promise.all(deliveries);
  await reading;
  await producer.close();
  await consumer.close();
  if (received < total) throw new Error(`end-to-end: received ${received} of ${total}`);
  return latencies.summary();
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
const label = (size: number) => (size === 1024 ? '1 KiB' : `${size} B`);
const ms = (n: number) => fmt(n, 2);

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const work = mkdtempSync(join(tmpdir(), 'gregor-bench-'));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const python = findPython();
  const note = (s: string) => process.stderr.write(`${s}\n`);
  let broker: SpawnedBroker | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    note('machine limits …');
    const loopMBps = await loopbackTcp(512 * MiB);
    const diskMBps = fileAppend(work, 256 * MiB);

    broker = await spawnBroker(dataDir);
    const pid = broker.child.pid!;
    const rssAtStart = memory(pid, 'VmRSS');
    let rssMax = rssAtStart;
    sampler = setInterval(() => (rssMax = Math.max(rssMax, memory(pid, 'VmRSS') || 0)), 100);
    const bootstrap = broker.bootstrap;
    const admin = new Admin({ brokers: [bootstrap] });
    const topicName = (gen: string, size: number, acks: string) => `bench-${gen}-${size}-acks${acks}`;
    const topics = ['e2e', 'latency'];
    for (const gen of ['gregor', 'librdkafka'])
      for (const { size } of SIZES) for (const acks of ACKS) topics.push(topicName(gen, size, acks));
    await admin.createTopics(topics.map((topic) => ({ topic, numPartitions: PARTITIONS })));

    const rows: ThroughputRow[] = [];
    const measure = async (
      generator: string,
      op: 'produce' | 'consume',
      size: number,
      acks: AcksName | '',
      run: () => Promise<{ records: number; bytes: number; seconds: number }>,
    ) => {
      note(`${generator}: ${op} ${label(size)}${acks ? `, acks=${acks}` : ''} …`);
      spawnSync('sync');
      const cpu0 = cpuSeconds(pid);
      const r = await run();
      const mbPerSec = r.bytes / r.seconds / MB;
      rows.push({
        generator,
        op,
        size,
        acks,
        records: r.records,
        seconds: r.seconds,
        recordsPerSec: r.records / r.seconds,
        mbPerSec,
        vsLoopback: mbPerSec / loopMBps,
        vsFileAppend: mbPerSec / diskMBps,
        brokerCpu: (cpuSeconds(pid) - cpu0) / r.seconds,
      });
      return r;
    };

    // Throughput: our client.
    for (const { size, ours } of SIZES)
      for (const acks of ACKS)
        await measure('gregor client', 'produce', size, acks, () =>
          producerPerf({
            brokers: [bootstrap],
            topic: topicName('gregor', size, acks),
            numRecords: ours,
            recordSize: size,
            acks: acks === 'all' ? -1 : 1,
          }),
        );
    for (const { size, ours } of SIZES)
      await measure('gregor client', 'consume', size, '', () =>
        consumerPerf({ brokers: [bootstrap], topic: topicName('gregor', size, '1'), messages: ours }),
      );

    // Throughput: librdkafka.
    const generator = python ? 'librdkafka (confluent-kafka)' : '';
    if (python) {
      for (const { size, librdkafka: count } of SIZES)
        for (const acks of ACKS)
          await measure(generator, 'produce', size, acks, () =>
            librdkafka(python, [
              'produce',
              bootstrap,
              topicName('librdkafka', size, acks),
              `${count}`,
              `${size}`,
              acks,
            ]),
          );
      for (const { size, librdkafka: count } of SIZES)
        await measure(generator, 'consume', size, '', () =>
          librdkafka(python, ['consume', bootstrap, topicName('librdkafka', size, '1'), `${count}`]),
        );
    } else note('python3 confluent-kafka not installed: librdkafka rows skipped');

    // Produce latency at half of our client's peak.
    const latency: LatencyRow[] = [];
    for (const { size } of SIZES)
      for (const acks of ACKS) {
        const peak = rows.find(
          (r) => r.generator === 'gregor client' && r.op === 'produce' && r.size === size && r.acks === acks,
        )!;
        const target = Math.max(100, Math.floor(peak.recordsPerSec / 2));
        note(`latency: ${label(size)}, acks=${acks} at ${fmt(target)} records/s …`);
        const r = await producerPerf({
          brokers: [bootstrap],
          topic: 'latency',
          numRecords: target * 4,
          recordSize: size,
          throughput: target,
          acks: acks === 'all' ? -1 : 1,
        });
        latency.push({ size, acks, targetPerSec: target, achievedPerSec: r.recordsPerSec, latency: r.latency });
      }

    note('end-to-end latency …');
    const e2eRate = 1000;
    const e2e = await endToEnd(bootstrap, 'e2e', e2eRate, 5);
    await admin.close();

    clearInterval(sampler);
    sampler = undefined;
    const rssPeak = memory(pid, 'VmHWM');
    rssMax = Math.max(rssMax, memory(pid, 'VmRSS') || 0);
    broker.child.kill('SIGTERM');
    await broker.exited;
    broker = undefined;

    note('rebalance (kafkajs, in-process broker) …');
    const rebalance: RebalanceRow[] = await benchRebalance([3, 30], 3);

    // -------------------------------------------------------------------------------------------
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
    const md: string[] = [
      `# Gregor benchmarks, ${new Date().toISOString()}`,
      '',
      `Machine: ${machine}. 1-minute load average ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after. ` +
        `${PARTITIONS} partitions per topic, no compression, one client at a time, one run per figure. ` +
        'MB = 10^6 bytes of record values; broker CPU 100% = one core.',
      '',
      '## Machine limits (this run)',
      '',
      '| limit | MB/s |',
      '| --- | ---: |',
      `| loopback TCP, node → node, 1 MiB writes | ${fmt(loopMBps)} |`,
      `| sequential file append, 1 MiB writes + fsync | ${fmt(diskMBps)} |`,
      '',
      '## Throughput',
      '',
      '| load generator | operation | record | acks | records | records/s | MB/s | vs loopback | vs file append | broker CPU |',
      '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows.map(
        (r) =>
          `| ${r.generator} | ${r.op} | ${label(r.size)} | ${r.acks || '–'} | ${fmt(r.records)} | ${fmt(r.recordsPerSec)} | ` +
          `${fmt(r.mbPerSec, 1)} | ${r.vsLoopback.toFixed(3)} | ${r.vsFileAppend.toFixed(3)} | ${fmt(r.brokerCpu * 100)}% |`,
      ),
      '',
      '## Produce latency at half of the peak rate (gregor client, send → acknowledgement)',
      '',
      '| record | acks | target records/s | achieved | p50 ms | p99 ms | p99.9 ms | max ms |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...latency.map(
        (l) =>
          `| ${label(l.size)} | ${l.acks} | ${fmt(l.targetPerSec)} | ${fmt(l.achievedPerSec)} | ${ms(l.latency.p50Ms)} | ` +
          `${ms(l.latency.p99Ms)} | ${ms(l.latency.p999Ms)} | ${ms(l.latency.maxMs)} |`,
      ),
      '',
      `## End-to-end latency (produce → consume, ${fmt(e2eRate)} records/s of 100 B for 5 s, acks=1, linger 0)`,
      '',
      '| p50 ms | p99 ms | p99.9 ms | max ms |',
      '| ---: | ---: | ---: | ---: |',
      `| ${ms(e2e.p50Ms)} | ${ms(e2e.p99Ms)} | ${ms(e2e.p999Ms)} | ${ms(e2e.maxMs)} |`,
      '',
      '## Rebalance time (a member joins → every member fetching again; kafkajs, 60 partitions)',
      '',
      '| members | runs | min ms | median ms | max ms |',
      '| ---: | ---: | ---: | ---: | ---: |',
      ...rebalance.map((r) => `| ${r.members} | ${r.runs} | ${r.minMs} | ${r.medianMs} | ${r.maxMs} |`),
      '',
      '## Broker memory (spawned broker, during the throughput and latency runs)',
      '',
      '| RSS at start | highest sampled RSS (100 ms) | peak RSS (VmHWM) |',
      '| ---: | ---: | ---: |',
      `| ${fmt(rssAtStart / MiB)} MiB | ${fmt(rssMax / MiB)} MiB | ${fmt(rssPeak / MiB)} MiB |`,
      '',
    ];
    const text = md.join('\n');
    console.log(text);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'bench.md'), text);
    const jsonPath = join(RESULTS, 'bench.json');
    const json = JSON.stringify({
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: cpus()[0]?.model,
        node: process.version,
        loadAverage: [load0, loadavg()[0]],
      },
      partitions: PARTITIONS,
      limits: { loopbackTcpMBps: loopMBps, fileAppendMBps: diskMBps },
      throughput: rows,
      produceLatencyAtHalfPeak: latency,
      endToEnd: { recordsPerSec: e2eRate, seconds: 5, latency: e2e },
      rebalance,
      brokerMemory: { rssAtStartBytes: rssAtStart, rssMaxSampledBytes: rssMax, rssPeakBytes: rssPeak },
    });
    writeFileSync(jsonPath, await format(json, { ...(await resolveConfig(jsonPath)), parser: 'json' }));
    note(`wrote ${join(RESULTS, 'bench.{md,json}')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    if (sampler) clearInterval(sampler);
    if (broker) {
      broker.child.kill('SIGTERM');
      await broker.exited;
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
