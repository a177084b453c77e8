/**
 * The broker's log output: JSON when piped, one readable line per entry on a terminal (or with
 * log.format=text), and a compaction cleaner that logs only when it removed something.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { Broker } from '../src/broker.js';
import { buildBrokerConfig } from '../src/config/broker-config.js';
import { createLogger, formatLogLine } from '../src/logging.js';
import { BROKER } from './support/broker-process.js';
import { kafkaClient } from '@gregor/testkit/kafkajs';

const TEXT_LINE =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} INFO {2}broker started nodeId=0 clusterId=\S+ listener=127\.0\.0\.1:\d+ /;

test('a JSON log entry as one text line, with an error’s stack below it', () => {
  const time = new Date(2025, 0, 2, 10, 0, 0, 123).getTime();
  assert.equal(
    formatLogLine(
      JSON.stringify({ level: 40, time, pid: 1, hostname: 'h', topic: 'a b', partition: 0, msg: 'retention ran' }),
    ),
    '2025-01-02 10:00:00.123 WARN  retention ran topic="a b" partition=0\n',
  );
  const err = { type: 'Error', message: 'disk full', stack: 'Error: disk full\n    at write' };
  assert.equal(
    formatLogLine(JSON.stringify({ level: 50, time, err, msg: 'flush failed' })),
    '2025-01-02 10:00:00.123 ERROR flush failed error="disk full"\n    Error: disk full\n        at write\n',
  );
  assert.equal(formatLogLine('not json\n'), 'not json\n', 'anything else passes through');
});

/** Runs the broker until `ready` matches its output, then stops it; resolves with the output. */
function runUntil(command: string, args: string[], ready: RegExp): Promise<{ output: string; code: number | string }> {
  // detached: the process group can be signalled as a whole (script(1) and the broker under it).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no match for ${ready} in:\n${output}`));
    }, 60_000);
    let signalled = false;
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (!signalled && ready.test(output)) {
        signalled = true;
        process.kill(-child.pid!, 'SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ output, code: code ?? signal ?? -1 });
    });
  });
}

const brokerArgs = (dir: string, ...more: string[]): string[] => [
  ...BROKER,
  '--override',
  'listeners=PLAINTEXT://127.0.0.1:0',
  '--override',
  `log.dirs=${dir}`,
  ...more,
];

test('log.format=text writes readable lines; piped output is JSON by default', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-logfmt-'));
  try {
    const text = await runUntil(process.execPath, brokerArgs(dir, '--override', 'log.format=text'), /broker started/);
    assert.match(
      text.output.split('\n').find((l) => l.includes('broker started'))!,
      TEXT_LINE,
    );
    assert.ok(!text.output.includes('{"level"'), 'no JSON in text mode');
    const json = await runUntil(process.execPath, brokerArgs(dir), /"msg":"broker started"/);
    const started = JSON.parse(json.output.split('\n').find((l) => l.includes('broker started'))!) as {
      level: number;
      msg: string;
      listener: string;
    };
    assert.equal(started.msg, 'broker started');
    assert.equal(started.level, 30);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on a terminal the default is text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-logtty-'));
  try {
    // script(1) gives the broker a pseudo-terminal as stdout, as a person running it would have.
    const command = [process.execPath, ...brokerArgs(dir)].map((a) => `'${a}'`).join(' ');
    let run;
    try {
      run = await runUntil('script', ['-qefc', `exec ${command}`, '/dev/null'], /broker started/);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return t.skip('script(1) is not installed');
      throw err;
    }
    const line = run.output.split(/\r?\n/).find((l) => l.includes('broker started'))!;
    // Colours are on for a terminal; strip them to check the layout.
    assert.match(line.replace(/\u001b\[\d+m/g, ''), TEXT_LINE);
    assert.ok(line.includes('\u001b[32mINFO'), 'the level is coloured on a terminal');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function produce(kafka: Kafka, messages: { key: string; value: string }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 50)
    await producer.send({ topic: 'compacted', acks: -1, messages: messages.slice(i, i + 50) });
  await producer.disconnect();
}

test('the compaction cleaner logs only when it removed records', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-cleanerlog-'));
  const lines: string[] = [];
  const config = buildBrokerConfig({
    listeners: 'PLAINTEXT://127.0.0.1:0',
    'log.dirs': dir,
    'log.format': 'json',
  });
  // The real logger, writing into `lines`; the cleaner's timer keeps its 15 s default and the
  // test runs the passes itself.
  const broker = await Broker.start(config, createLogger(config, { write: (s) => lines.push(s) }));
  const compactedLines = () => lines.map((l) => JSON.parse(l) as { msg: string }).filter((e) => e.msg === 'compacted');
  try {
    const kafka = kafkaClient(`127.0.0.1:${broker.port}`);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: 'compacted',
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.bytes', value: '2048' },
          ],
        },
      ],
    });
    await admin.disconnect();
    await produce(
      kafka,
      Array.from({ length: 200 }, (_, i) => ({ key: `unique-${i}`, value: `v${i}` })),
    );
    await broker.replicas.compact();
    await broker.replicas.compact();
    assert.deepStrictEqual(compactedLines(), [], 'nothing to remove, nothing logged');

    await produce(
      kafka,
      Array.from({ length: 200 }, (_, i) => ({ key: `unique-${i % 10}`, value: `again-${i}` })),
    );
    await broker.replicas.compact();
    const logged = compactedLines() as { recordsRemoved?: number }[];
    assert.equal(logged.length, 1, 'one line for the pass that removed records');
    assert.ok(logged[0]!.recordsRemoved! > 0);
    await broker.replicas.compact();
    assert.equal(compactedLines().length, 1, 'a pass over an already clean log stays quiet');
  } finally {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
