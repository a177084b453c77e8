/**
 * `npm run bench:broker`: the broker's produce and consume throughput next to this machine's own
 * limits, measured in the same run.
 *
 * - Machine limits: loopback TCP between two node processes (1 GiB in 1 MiB writes), and
 *   sequential file append (fs.writeSync of 1 MiB chunks, 512 MiB, then fsync) in the directory
 *   the broker's data goes to.
 * - The broker runs as its own process (`npm start`'s entry, through spawnBroker) on a temporary
 *   data directory, with default settings (no fsync per append, as Kafka).
 * - Load generators, one at a time:
 *   - kcat (librdkafka, C) as a real client: it produces from a prepared file (-l) with large
 *     batches (batch.size 1 MiB, up to 10,000 records, linger.ms 5) and consumes with large
 *     fetches. On two cores it needs more than one of them itself at 100-byte records, so these
 *     rows are client-bound there. Without kcat, kafkajs in this process does the same on smaller
 *     volumes (a much slower generator: its figures are the client's).
 *   - pre-encoded batches: one raw connection replays a ready Produce request (no per-record work
 *     in the generator), which shows what the broker itself can take.
 * - Each measurement runs 3 times (the median is shown, with the range); dirty pages are synced
 *   before each run and measured topics deleted after it, so runs do not pay for each other's
 *   writeback. Other processes on the machine do show: the load average is printed.
 *
 * Every figure is printed beside the machine limits as a ratio, with the CPU the broker used
 * (100% = one core; the broker is single-threaded JavaScript) and the load generator's CPU. The
 * table also goes to bench/results/broker.{json,md}.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiKey, decodeResponse, encodeRecordBatch, encodeRequest, ErrorCode, FrameDecoder } from '@gregor/protocol';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { format, resolveConfig } from 'prettier';
import { spawnBroker, type SpawnedBroker } from '../src/testing/index.js';
import { cpuSeconds, measureFileAppend, measureLoopbackTcp } from '@gregor/testkit/machine';

const MiB = 1024 * 1024;
const MB = 1e6;
const PARTITIONS = 4;
const LIMIT_BYTES = 512 * MiB;
const LOOPBACK_BYTES = 1024 * MiB;
/** Each measurement runs this many times; the table shows the median run and the spread. */
const REPEATS = 3;
const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(HERE, 'results');

interface Row {
  name: string;
  records?: number;
  /** Payload bytes (record values) moved, or raw bytes for the machine limits. */
  bytes: number;
  seconds: number;
  /** Bytes the broker's log grew by (batch headers and record framing included). */
  logBytes?: number;
  brokerCpu?: number;
  loadgenCpu?: number;
  note?: string;
}

const hasKcat = spawnSync('kcat', ['-V'], { encoding: 'utf8' }).status === 0;

// ---------------------------------------------------------------------------------------------
// Machine limits

async function loopbackTcp(bytes: number): Promise<Row> {
  const { bytes: got, seconds } = await measureLoopbackTcp(bytes);
  return { name: 'machine: loopback TCP, node → node (1 MiB writes)', bytes: got, seconds };
}

function fileAppend(dir: string, bytes: number): Row {
  const { seconds, pageCacheSeconds } = measureFileAppend(dir, bytes);
  return {
    name: 'machine: file append (1 MiB writeSync, then fsync)',
    bytes,
    seconds,
    note: `without the fsync ${(bytes / pageCacheSeconds / MB).toFixed(0)} MB/s (page cache)`,
  };
}

// ---------------------------------------------------------------------------------------------
// Broker-side accounting

/**
 * Writes dirty pages out before a measurement, so that no run pays for the writeback of the one
 * before it (the broker, like Kafka, leaves flushing to the OS).
 */
function settle(): void {
  spawnSync('sync');
}

function logBytes(dataDir: string, topic: string): number {
  let total = 0;
  for (const entry of readdirSync(dataDir))
    if (entry.startsWith(`${topic}-`))
      for (const f of readdirSync(join(dataDir, entry)))
        if (f.endsWith('.log')) total += statSync(join(dataDir, entry, f)).size;
  return total;
}

// ---------------------------------------------------------------------------------------------
// Load generators

/** Runs kcat under bash so `times` can report its CPU use (node cannot read a child's rusage). */
function kcat(args: string[], onStdout?: (chunk: Buffer) => void): Promise<{ seconds: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child: ChildProcess = spawn('bash', ['-c', 'kcat "$@"; rc=$?; times >&2; exit $rc', 'kcat', ...args], {
      stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (onStdout) child.stdout!.on('data', onStdout);
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`kcat ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      // `times`: the shell's own user/sys, then its children's.
      const m = /\n?(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr);
      const cpu = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN;
      resolve({ seconds, cpu });
    });
  });
}

function kcatProduce(
  bootstrap: string,
  topic: string,
  inputFile: string,
  acks: string,
): Promise<{ seconds: number; cpu: number }> {
  return kcat([
    ...['-b', bootstrap, '-t', topic, '-P', '-l'],
    ...['-X', `acks=${acks}`, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'batch.size=1048576'],
    ...['-X', 'queue.buffering.max.messages=1000000', '-X', 'queue.buffering.max.kbytes=1048576'],
    ...['-X', 'compression.codec=none'],
    inputFile,
  ]);
}

async function kcatConsume(
  bootstrap: string,
  topic: string,
): Promise<{ seconds: number; cpu: number; records: number }> {
  let records = 0;
  const r = await kcat(
    [
      ...['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\n'],
      ...['-X', 'fetch.max.bytes=67108864', '-X', 'max.partition.fetch.bytes=8388608', '-X', 'fetch.wait.max.ms=100'],
      // A fetch queue that never fills: librdkafka 2.0 looks at a full one again only on a timer.
      ...['-X', 'queued.min.messages=10000000', '-X', 'queued.max.messages.kbytes=1048576'],
    ],
    (chunk) => {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) records++;
    },
  );
  return { ...r, records };
}

/**
 * The broker's own ceiling: one connection replays a pre-encoded Produce v9 request (one batch of
 * ~256 KiB per partition, not idempotent) with 8 requests in flight, so the generator does no
 * per-record work at all. Returns the records sent, all acknowledged without error.
 */
async function rawProduce(port: number, topic: string, size: number, count: number, acks: number) {
  const perBatch = Math.max(1, Math.floor((256 * 1024) / size));
  const batch = encodeRecordBatch({
    records: Array.from({ length: perBatch }, () => ({ key: null, value: Buffer.alloc(size, 120) })),
  });
  const request = Buffer.concat(
    encodeRequest(
      { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 1, clientId: 'bench-raw' },
      {
        transactionalId: null,
        acks,
        timeoutMs: 30_000,
        topicData: [
          { name: topic, partitionData: Array.from({ length: PARTITIONS }, (_, index) => ({ index, records: batch })) },
        ],
      },
    ),
  );
  const requests = Math.ceil(count / (perBatch * PARTITIONS));
  const socket = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frames = new FrameDecoder();
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let answered = 0;
    const pump = () => {
      while (sent < requests && sent - answered < 8) {
        sent++;
        socket.write(request);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        answered++;
        const { body } = decodeResponse(ApiKey.Produce, 9, frame);
        for (const t of body.responses)
          for (const p of t.partitionResponses)
            if (p.errorCode !== ErrorCode.NONE) return reject(new Error(`produce error ${p.errorCode} on ${topic}`));
      }
      if (answered === requests) resolve();
      else pump();
    });
    socket.once('error', reject);
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu0);
  socket.destroy();
  return { seconds, cpu: (used.user + used.system) / 1e6, records: requests * perBatch * PARTITIONS };
}

/** The input file kcat -l reads: `count` lines of `size` bytes (written once per size and count). */
function inputFile(dir: string, size: number, count: number): string {
  const path = join(dir, `input-${size}-${count}.txt`);
  try {
    if (statSync(path).size === count * (size + 1)) return path;
  } catch {
    // not written yet
  }
  const line = Buffer.alloc(size + 1, 'x'.charCodeAt(0));
  line[size] = 10;
  const perChunk = Math.max(1, Math.floor((4 * MiB) / line.length));
  const chunk = Buffer.concat(Array.from({ length: perChunk }, () => line));
  const fd = openSync(path, 'w');
  for (let left = count; left > 0; left -= perChunk) writeSync(fd, chunk, 0, Math.min(left, perChunk) * line.length);
  closeSync(fd);
  return path;
}

async function kafkajsProduce(producer: Producer, topic: string, size: number, count: number, acks: number) {
  const value = Buffer.alloc(size, 'x');
  const perRequest = Math.max(100, Math.floor(MiB / size));
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < count; sent += perRequest) {
    const n = Math.min(perRequest, count - sent);
    inFlight.push(
      producer.send({
        topic,
        acks,
        messages: Array.from({ length: n }, (_, i) => ({ value, partition: (sent + i) % PARTITIONS })),
      }),
    );
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu0);
  return { seconds, cpu: (used.user + used.system) / 1e6 };
}

// ---------------------------------------------------------------------------------------------

/** The median run by throughput, its note extended with the range over all runs. */
function median(runs: Row[]): Row {
  const rate = (r: Row) => r.bytes / r.seconds / MB;
  const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  const spread = `${runs.length} runs: ${fmt(rate(sorted[0]!))}–${fmt(rate(sorted[sorted.length - 1]!))} MB/s`;
  return { ...mid, note: [mid.note, spread].filter(Boolean).join('; ') };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(rows: Row[], loopback: number, disk: number): string {
  const lines = [
    '| measurement | records/s | MB/s | vs loopback TCP | vs file append | broker CPU | load-gen CPU | notes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    const mbps = r.bytes / r.seconds / MB;
    const rps = r.records === undefined ? '' : fmt(r.records / r.seconds);
    const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : `${fmt((v / r.seconds) * 100)}%`);
    // What one broker core would carry at this cost per record, were the load generator not
    // sharing the machine's two cores: a ceiling estimate, not a measurement.
    const perCore =
      r.records !== undefined && r.brokerCpu
        ? `≈ ${fmt(r.records / r.brokerCpu)} rec/s per broker core-second`
        : undefined;
    const notes = [r.note, r.logBytes ? `log grew ${fmt(r.logBytes / r.seconds / MB)} MB/s` : undefined, perCore]
      .filter(Boolean)
      .join('; ');
    lines.push(
      `| ${r.name} | ${rps} | ${fmt(mbps)} | ${(mbps / loopback).toFixed(2)} | ${(mbps / disk).toFixed(2)} | ${pct(r.brokerCpu)} | ${pct(r.loadgenCpu)} | ${notes} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const work = mkdtempSync(join(tmpdir(), 'gregor-bench-'));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const rows: Row[] = [];
  let broker: SpawnedBroker | undefined;
  try {
    const loops: Row[] = [];
    const disks: Row[] = [];
    for (let run = 0; run < REPEATS; run++) {
      console.error(`machine limits, run ${run + 1} of ${REPEATS} …`);
      loops.push(await loopbackTcp(LOOPBACK_BYTES));
      disks.push(fileAppend(work, LIMIT_BYTES));
    }
    const loop = median(loops);
    const disk = median(disks);
    rows.push(loop, disk);
    const loopMBps = loop.bytes / loop.seconds / MB;
    const diskMBps = disk.bytes / disk.seconds / MB;

    broker = await spawnBroker(dataDir);
    const pid = broker.child.pid!;
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'bench', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const kcatVersion = hasKcat ? spawnSync('kcat', ['-V'], { encoding: 'utf8' }).stdout : '';
    const generator = hasKcat
      ? `kcat ${/Version ([\d.]+)/.exec(kcatVersion)?.[1] ?? '?'} (librdkafka ${/librdkafka ([\d.]+)/.exec(kcatVersion)?.[1] ?? '?'})`
      : 'kafkajs (fallback: kcat not installed)';
    const cases = hasKcat
      ? [
          { size: 100, count: 3_000_000 },
          { size: 1024, count: 400_000 },
        ]
      : [
          { size: 100, count: 200_000 },
          { size: 1024, count: 50_000 },
        ];
    const topicName = (size: number, acks: string, run: number) => `bench-${size}-acks${acks}-${run}`;
    const topics = ['bench-warmup'];
    for (const { size } of cases)
      for (const acks of ['1', 'all'])
        for (let run = 0; run < REPEATS; run++)
          topics.push(topicName(size, acks, run), `raw-${topicName(size, acks, run)}`);
    await admin.createTopics({
      topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
      waitForLeaders: true,
    });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    if (!hasKcat) await producer.connect();

    const produce = async (topic: string, size: number, count: number, acks: 'all' | '1') => {
      const input = hasKcat ? inputFile(work, size, count) : '';
      settle();
      const cpu0 = cpuSeconds(pid);
      const r = hasKcat
        ? await kcatProduce(broker!.bootstrap, topic, input, acks)
        : await kafkajsProduce(producer, topic, size, count, acks === 'all' ? -1 : 1);
      const brokerCpu = cpuSeconds(pid) - cpu0;
      const offsets = await admin.fetchTopicOffsets(topic);
      const stored = offsets.reduce((n, o) => n + Number(o.high), 0);
      if (stored !== count) throw new Error(`${topic}: ${stored} records stored, ${count} produced`);
      return { seconds: r.seconds, loadgenCpu: r.cpu, brokerCpu };
    };

    /** Deleting measured topics keeps the page cache's dirty data, and its writeback, small. */
    const dropTopic = async (topic: string) => {
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    };

    console.error(`warming up the broker (${generator}) …`);
    await produce('bench-warmup', 100, hasKcat ? 300_000 : 20_000, '1');

    const label = (size: number) => (size === 1024 ? '1 KiB' : `${size} B`);
    // acks=1 and acks=all runs alternate, so background writeback of earlier runs' data weighs on both alike.
    for (const { size, count } of cases) {
      const runs = { '1': [] as Row[], all: [] as Row[] };
      for (let run = 0; run < REPEATS; run++)
        for (const acks of ['1', 'all'] as const) {
          const topic = topicName(size, acks, run);
          console.error(`produce ${count} × ${size} B, acks=${acks}, run ${run + 1} of ${REPEATS} …`);
          const r = await produce(topic, size, count, acks);
          runs[acks].push({
            name: `produce ${label(size)} records, acks=${acks}`,
            records: count,
            bytes: count * size,
            seconds: r.seconds,
            logBytes: logBytes(dataDir, topic),
            brokerCpu: r.brokerCpu,
            loadgenCpu: r.loadgenCpu,
          });
          if (!(acks === '1' && run === 0)) await dropTopic(topic); // the one kept is read back below
        }
      rows.push(median(runs['1']), median(runs.all));
    }

    for (const { size, count } of cases) {
      const runs = { '1': [] as Row[], all: [] as Row[] };
      for (let run = 0; run < REPEATS; run++)
        for (const acks of ['1', 'all'] as const) {
          const topic = `raw-${topicName(size, acks, run)}`;
          console.error(`produce ${count} × ${size} B pre-encoded, acks=${acks}, run ${run + 1} of ${REPEATS} …`);
          settle();
          const cpu0 = cpuSeconds(pid);
          const r = await rawProduce(broker.port, topic, size, count, acks === 'all' ? -1 : 1);
          const brokerCpu = cpuSeconds(pid) - cpu0;
          const stored = (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
          if (stored !== r.records) throw new Error(`${topic}: ${stored} records stored, ${r.records} produced`);
          runs[acks].push({
            name: `produce ${label(size)} records, acks=${acks}, pre-encoded batches (broker-bound)`,
            records: r.records,
            bytes: r.records * size,
            seconds: r.seconds,
            logBytes: logBytes(dataDir, topic),
            brokerCpu,
            loadgenCpu: r.cpu,
          });
          await dropTopic(topic);
        }
      rows.push(median(runs['1']), median(runs.all));
    }

    for (const { size, count } of cases) {
      const runs: Row[] = [];
      for (let run = 0; run < REPEATS; run++) {
        const topic = topicName(size, '1', 0);
        console.error(`consume ${count} × ${size} B, run ${run + 1} of ${REPEATS} …`);
        settle();
        const cpu0 = cpuSeconds(pid);
        let seconds: number;
        let loadgenCpu: number;
        let records: number;
        if (hasKcat) {
          const r = await kcatConsume(broker.bootstrap, topic);
          ({ seconds, records } = r);
          loadgenCpu = r.cpu;
        } else {
          const { readAll } = await import('@gregor/testkit/kafkajs');
          const c0 = process.cpuUsage();
          const start = process.hrtime.bigint();
          records = (await readAll(kafka, topic, [...Array(PARTITIONS).keys()], count)).length;
          seconds = Number(process.hrtime.bigint() - start) / 1e9;
          const used = process.cpuUsage(c0);
          loadgenCpu = (used.user + used.system) / 1e6;
        }
        if (records !== count) throw new Error(`${topic}: consumed ${records} of ${count}`);
        runs.push({
          name: `consume ${label(size)} records from offset 0 (page cache)`,
          records,
          bytes: count * size,
          seconds,
          brokerCpu: cpuSeconds(pid) - cpu0,
          loadgenCpu,
          ...(hasKcat ? { note: 'includes client start-up' } : {}),
        });
      }
      rows.push(median(runs));
    }
    if (!hasKcat) await producer.disconnect();
    await admin.disconnect();

    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    const header = [
      `Broker throughput, ${new Date().toISOString()}`,
      `Machine: ${cpus().length} × ${cpu}, node ${process.version}; load generator: ${generator}; ` +
        `${PARTITIONS} partitions per topic, no compression, one producer or consumer at a time; ` +
        'MB = 10^6 bytes of record values (machine rows: raw bytes); CPU 100% = one core.',
      `1-minute load average: ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after ` +
        '(anything else running on the machine shows here, and in the figures).',
    ].join('\n');
    const md = `${header}\n\n${table(rows, loopMBps, diskMBps)}\n`;
    console.log(`\n${md}`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'broker.md'), md);
    // Formatted as the repository's prettier config would, so `npm run lint` accepts the file.
    const jsonPath = join(RESULTS_DIR, 'broker.json');
    const json = `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, cpu, node: process.version, loadAverage: [load0, loadavg()[0]] },
        loadGenerator: generator,
        partitions: PARTITIONS,
        limits: { loopbackTcpMBps: loopMBps, fileAppendMBps: diskMBps },
        rows: rows.map((r) => ({
          ...r,
          recordsPerSec: r.records === undefined ? undefined : r.records / r.seconds,
          mbPerSec: r.bytes / r.seconds / MB,
          vsLoopback: r.bytes / r.seconds / MB / loopMBps,
          vsFileAppend: r.bytes / r.seconds / MB / diskMBps,
          brokerCpuShare: r.brokerCpu === undefined ? undefined : r.brokerCpu / r.seconds,
          loadgenCpuShare: r.loadgenCpu === undefined ? undefined : r.loadgenCpu / r.seconds,
        })),
      },
      null,
      2,
    )}\n`;
    writeFileSync(jsonPath, await format(json, { ...(await resolveConfig(jsonPath)), parser: 'json' }));
    console.error(`wrote ${join(RESULTS_DIR, 'broker.{md,json}')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    if (broker) {
      broker.child.kill('SIGTERM');
      await broker.exited;
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
