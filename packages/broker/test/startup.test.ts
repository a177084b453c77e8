/**
 * Starting the real broker process (`npm start`'s entry): the environment scheme, Kafka's own
 * server.properties, unknown keys, and one clear line with exit code 2 for every refused start.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runToExit, startProcess, warnings } from './support/broker-process.js';

const EPHEMERAL = ['--override', 'listeners=PLAINTEXT://127.0.0.1:0'];
const KAFKA_PROPERTIES = resolve(import.meta.dirname, '../../../../shared/kafka-config/server.properties');

/** Asserts a refused start: exit code 2 and exactly one line on stderr matching `pattern`. */
function assertRefused(result: ReturnType<typeof runToExit>, pattern: RegExp): void {
  assert.equal(result.status, 2, `exit code ${result.status} (signal ${result.signal}); stderr: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected on stderr, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
}

test('the CLI’s environment variables do not stop the broker; GREGOR_BROKER_* sets broker settings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-env-'));
  const broker = await startProcess([...EPHEMERAL, '--override', `log.dirs=${dir}`], {
    GREGOR_BOOTSTRAP_SERVER: '127.0.0.1:1',
    GREGOR_DEBUG: '1',
    GREGOR_BROKER_METRICS_PORT: '0',
    GREGOR_BROKER_NUM_NETWORK_THREADS: '3',
  });
  try {
    assert.ok(broker.metricsPort > 0, 'GREGOR_BROKER_METRICS_PORT=0 turned the metrics endpoint on');
    const health = await fetch(`http://127.0.0.1:${broker.metricsPort}/health`);
    assert.equal(health.status, 200);
    assert.deepStrictEqual(warnings(broker.lines), [
      "unknown config 'num.network.threads' (from environment variable GREGOR_BROKER_NUM_NETWORK_THREADS) is ignored",
    ]);
  } finally {
    assert.equal(await broker.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'Kafka’s sample server.properties starts the broker, warning once about each setting it does not use',
  {
    skip: !existsSync(KAFKA_PROPERTIES) && `${KAFKA_PROPERTIES} is missing`,
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-kafka-props-'));
    const properties = readFileSync(KAFKA_PROPERTIES, 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('zookeeper.connect='))
      .map((line) => (line.startsWith('log.dirs=') ? `log.dirs=${join(dir, 'data')}` : line))
      .join('\n');
    writeFileSync(join(dir, 'server.properties'), `${properties}\nlisteners=PLAINTEXT://127.0.0.1:0\n`);
    const broker = await startProcess(['--config', join(dir, 'server.properties')]);
    try {
      const warned = warnings(broker.lines);
      for (const key of [
        'num.network.threads',
        'num.io.threads',
        'socket.send.buffer.bytes',
        'num.recovery.threads.per.data.dir',
      ])
        assert.equal(
          warned.filter((w) =>
            w.startsWith(`unknown config '${key}' (from ${join(dir, 'server.properties')}) is ignored`),
          ).length,
          1,
          `one warning for ${key} in:\n${warned.join('\n')}`,
        );
      for (const known of [
        'log.retention.hours',
        'log.segment.bytes',
        'num.partitions',
        'broker.id',
        'offsets.topic.replication.factor',
        'zookeeper.connection.timeout.ms',
      ])
        assert.ok(!warned.some((w) => w.includes(`'${known}'`)), `${known} is a setting Gregor uses`);
      assert.ok(existsSync(join(dir, 'data', 'meta.properties')), 'the data went where log.dirs says');
    } finally {
      assert.equal(await broker.stop(), 0);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('--strict-config refuses what Kafka’s sample file sets but Gregor does not know', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-strict-'));
  try {
    writeFileSync(join(dir, 'server.properties'), `num.network.threads=3\nlog.dirs=${join(dir, 'data')}\n`);
    assertRefused(
      runToExit([...EPHEMERAL, '--config', join(dir, 'server.properties'), '--strict-config']),
      /^gregor: invalid configuration: unknown config 'num\.network\.threads' \(from .*server\.properties\)$/,
    );
    assert.ok(!existsSync(join(dir, 'data')), 'nothing was written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data directory that cannot be created is one clear line and exit 2, never a hang', () => {
  assertRefused(
    runToExit([...EPHEMERAL, '--override', 'log.dirs=/proc/gregor']),
    /^gregor: cannot start: log\.dirs=\/proc\/gregor is not usable as the data directory: cannot create \/proc\/gregor: \/proc does not allow creating directories$/,
  );
  const file = join(mkdtempSync(join(tmpdir(), 'gregor-notdir-')), 'file');
  try {
    writeFileSync(file, '');
    assertRefused(
      runToExit([...EPHEMERAL, '--override', `log.dirs=${file}/data`]),
      /is not usable as the data directory: .*a part of the path is not a directory$/,
    );
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
});

test('a data directory on a read-only file system is named as such', (t) => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'gregor-ro-'));
  try {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (err) {
      t.skip(`cannot mount a read-only tmpfs here: ${(err as Error).message}`);
      return;
    }
    try {
      assertRefused(
        runToExit([...EPHEMERAL, '--override', `log.dirs=${mountPoint}/data`]),
        /^gregor: cannot start: log\.dirs=.* is not usable as the data directory: cannot create .*\/data: the file system is read-only$/,
      );
      assertRefused(
        runToExit([...EPHEMERAL, '--override', `log.dirs=${mountPoint}`]),
        /is not usable as the data directory: cannot write to .*: the file system is read-only$/,
      );
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  } finally {
    rmSync(mountPoint, { recursive: true, force: true });
  }
});

test('a bad log.level or an unknown option is one line and exit 2', () => {
  const level = runToExit([...EPHEMERAL, '--override', 'log.level=verbose']);
  assertRefused(
    level,
    /^gregor: invalid configuration: log\.level: verbose must be one of trace, debug, info, warn, error, fatal, silent \(from --override\)$/,
  );
  assertRefused(runToExit(['--bogus']), /^gregor: Unknown option '--bogus' \(--help lists the options\)$/);
  assert.equal(runToExit(['--bogus']).stdout, '', 'no settings list after the error');
});
