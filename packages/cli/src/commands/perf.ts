/**
 * `gregor perf produce|consume`: the performance tests, with a live progress bar on a TTY
 * (stderr) and a summary on stdout (records/s, MB/s, latency percentiles), or JSON with --json.
 */
import cliProgress from 'cli-progress';
import type { Compression } from '../args.js';
import type { Context } from '../context.js';
import { fields } from '../output.js';
import { consumerPerf, type ConsumerPerfResult } from '../perf/consumer-perf.js';
import { producerPerf, type ThroughputResult } from '../perf/producer-perf.js';

function progressBar(ctx: Context, total: number, unit: string): cliProgress.SingleBar | undefined {
  if (!ctx.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.stderr,
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '0' });
  return bar;
}

function rateUpdater(bar: cliProgress.SingleBar | undefined) {
  const start = performance.now();
  return (value: number) => {
    const seconds = (performance.now() - start) / 1000;
    bar?.update(value, { rate: seconds > 0 ? Math.round(value / seconds).toLocaleString('en-US') : '0' });
  };
}

const num = (n: number, digits = 1) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function summary(r: ThroughputResult, what: string, latencyLabel: string): string {
  const l = r.latency;
  return fields([
    [what, r.records.toLocaleString('en-US')],
    ['MB', num(r.bytes / 1e6, 2)],
    ['seconds', num(r.seconds, 2)],
    ['records/s', num(r.recordsPerSec)],
    ['MB/s', num(r.mbPerSec, 2)],
    [`${latencyLabel} avg`, `${num(l.avgMs, 2)} ms`],
    [`${latencyLabel} p50`, `${num(l.p50Ms, 2)} ms`],
    [`${latencyLabel} p95`, `${num(l.p95Ms, 2)} ms`],
    [`${latencyLabel} p99`, `${num(l.p99Ms, 2)} ms`],
    [`${latencyLabel} p99.9`, `${num(l.p999Ms, 2)} ms`],
    [`${latencyLabel} max`, `${num(l.maxMs, 2)} ms`],
  ]);
}

export interface PerfProduceOptions {
  topic: string;
  numRecords: number;
  recordSize: number;
  throughput: number;
  acks: -1 | 0 | 1;
  compression: Compression;
  batchSize?: number;
  lingerMs?: number;
  json?: boolean;
}

export async function perfProduce(ctx: Context, o: PerfProduceOptions): Promise<void> {
  const bar = progressBar(ctx, o.numRecords, 'records');
  const update = rateUpdater(bar);
  let result: ThroughputResult;
  try {
    result = await producerPerf({
      brokers: ctx.brokers,
      topic: o.topic,
      numRecords: o.numRecords,
      recordSize: o.recordSize,
      throughput: o.throughput,
      acks: o.acks,
      compression: o.compression,
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      ...(o.lingerMs !== undefined ? { lingerMs: o.lingerMs } : {}),
      onProgress: (_sent, acked) => update(acked),
    });
  } finally {
    bar?.stop();
  }
  ctx.print(o.json ? JSON.stringify(result) : summary(result, 'records sent', 'latency'));
}

export interface PerfConsumeOptions {
  topic: string;
  messages: number;
  timeoutMs: number;
  fromLatest?: boolean;
  json?: boolean;
}

export async function perfConsume(ctx: Context, o: PerfConsumeOptions): Promise<void> {
  const bar = progressBar(ctx, o.messages, 'records');
  const update = rateUpdater(bar);
  let result: ConsumerPerfResult;
  try {
    result = await consumerPerf({
      brokers: ctx.brokers,
      topic: o.topic,
      messages: o.messages,
      timeoutMs: o.timeoutMs,
      ...(o.fromLatest ? { fromLatest: true } : {}),
      onProgress: update,
    });
  } finally {
    bar?.stop();
  }
  if (o.json) ctx.print(JSON.stringify(result));
  else {
    ctx.print(summary(result, 'records consumed', 'poll wait'));
    ctx.print(fields([['first record after', `${num(result.firstRecordMs, 1)} ms`]]));
  }
  if (!result.complete)
    ctx.warn(
      `WARNING: stopped after ${result.records} of ${o.messages} records: nothing arrived for ${o.timeoutMs} ms`,
    );
}
