/**
 * `gregor local-cluster`: the real binary starts Debian's ZooKeeper and three brokers, our
 * client uses the cluster (RF=3 topic, produce, consume), SIGINT stops every process, and a
 * second run on the same data directory is the same cluster with the same records; a second
 * local-cluster on data in use is refused, and what a killed one left running is named. Also the
 * errors a user meets before anything starts: a port in use, a per-broker setting in --override,
 * ZooKeeper not installed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { zookeeperInstalled } from '@gregor/broker/zookeeper';
import { Admin, Consumer, Producer } from '@gregor/client';
import { BIN, freePort, runCli } from './support/run-cli.js';

const NO_ZOOKEEPER = zookeeperInstalled() ? false : 'needs ZooKeeper (apt-get install zookeeper) and java';

/** `count` consecutive ports on 127.0.0.1 with nothing listening. */
async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => listenable(base + i)));
    if (free.every(Boolean)) return base;
  }
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: string[];
  stderr: string[];
  clusterId: string;
  controller: number;
  /** Broker pids from the summary. */
  pids: number[];
  zookeeperPid: number;
}

/** Spawns `gregor local-cluster …`; resolves once it prints its summary. */
async function startLocalCluster(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'local-cluster', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const ready = new Promise<Running>((resolve, reject) => {
    const pids: number[] = [];
    let zookeeperPid = -1;
    let header: RegExpExecArray | null = null;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      header ??= /^Cluster ready: 3 broker\(s\), controller broker-(\d+), cluster id (\S+)$/.exec(line);
      const row = /^ {2}broker-\d+ +127\.0\.0\.1:\d+ +pid (\d+)/.exec(line);
      if (header && row) pids.push(Number(row[1]));
      const zk = /^ {2}zookeeper 127\.0\.0\.1:\d+ +pid (\d+)/.exec(line);
      if (header && zk) zookeeperPid = Number(zk[1]);
      if (header && line.startsWith('Bootstrap servers:'))
        resolve({
          child,
          exited,
          stdout,
          stderr,
          clusterId: header[2]!,
          controller: Number(header[1]),
          pids,
          zookeeperPid,
        });
    });
    void exited.then((code) =>
      reject(new Error(`local-cluster exited (${code}) before it was ready:\n${stderr.join('\n')}`)),
    );
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 90_000);
  try {
    return await ready;
  } finally {
    clearTimeout(timeout);
  }
}

/** SIGINT, as Ctrl-C; resolves with the exit code. */
async function interrupt(run: Running): Promise<number | null> {
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  run.child.kill('SIGINT');
  const code = await run.exited;
  clearTimeout(timer);
  return code;
}

/** Whatever a failed test left behind: local-cluster, its brokers (own process groups) and ZooKeeper. */
function killAll(run: Running | undefined): void {
  if (!run) return;
  for (const pid of [...run.pids, run.zookeeperPid]) if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  if (run.child.exitCode === null) run.child.kill('SIGKILL');
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readOne(bootstrap: string[], topic: string): Promise<{ key: string; value: string }> {
  const consumer = new Consumer({ brokers: bootstrap, autoOffsetReset: 'earliest', maxWaitMs: 100 });
  try {
    consumer.assign([{ topic, partition: 0 }]);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const [record] = await consumer.poll(1_000);
      if (record) return { key: record.key!.toString(), value: record.value!.toString() };
    }
    throw new Error(`no record in ${topic} within 20 s`);
  } finally {
    await consumer.close();
  }
}

test(
  'local-cluster runs three brokers on ZooKeeper, stops them all on SIGINT, and resumes the same cluster',
  { skip: NO_ZOOKEEPER, timeout: 170_000 },
  async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gregor-local-cluster-'));
    const basePort = await freePortRange(3);
    const zookeeperPort = await freePort();
    const ports = [basePort, basePort + 1, basePort + 2];
    const bootstrap = ports.map((p) => `127.0.0.1:${p}`);
    const args = [
      ...['--base-port', String(basePort), '--zookeeper-port', String(zookeeperPort), '--data-dir', dataDir],
      // A killed broker's registration lasts until its session expires: 6 s instead of 18 s.
      ...['--override', 'zookeeper.session.timeout.ms=6000'],
    ];
    let run: Running | undefined;
    try {
      run = await startLocalCluster(args);
      assert.ok(run.stdout.includes(`Bootstrap servers: ${bootstrap.join(',')}`), run.stdout.join('\n'));
      assert.ok(
        run.stdout.some((l) => /^\[broker-2\] +\d\d:\d\d:\d\d\.\d{3} INFO +broker started nodeId=2 /.test(l)),
        'each broker’s log lines are prefixed and rendered',
      );
      assert.equal(run.pids.length, 3);
      assert.ok(run.zookeeperPid > 0, 'the summary names ZooKeeper’s pid');

      const admin = new Admin({ brokers: bootstrap });
      try {
        const cluster = await admin.describeCluster();
        assert.deepEqual(
          cluster.brokers.map((b) => [b.nodeId, b.port]).sort((a, b) => a[0]! - b[0]!),
          [
            [1, basePort],
            [2, basePort + 1],
            [3, basePort + 2],
          ],
        );
        assert.equal(cluster.clusterId, run.clusterId);
        assert.equal(cluster.controllerId, run.controller);
        await admin.createTopics([{ topic: 'orders', numPartitions: 1, replicationFactor: 3 }]);
      } finally {
        await admin.close();
      }
      const producer = new Producer({ brokers: bootstrap, acks: -1 });
      try {
        await producer.send({ topic: 'orders', partition: 0, key: 'order-1', value: '{"total":42}' });
      } finally {
        await producer.close();
      }
      assert.deepEqual(await readOne(bootstrap, 'orders'), { key: 'order-1', value: '{"total":42}' });

      // A broker that dies is reported; the others keep serving.
      process.kill(run.pids[2]!, 'SIGKILL');
      await waitFor(() => run!.stderr.some((l) => l.includes('broker-3 exited unexpectedly')), 'the report');
      assert.deepEqual(
        run.stderr.filter((l) => /warning|error/i.test(l)),
        [
          'gregor: warning: broker-3 exited unexpectedly (signal SIGKILL); the other brokers keep running (restart local-cluster to bring it back)',
        ],
      );
      assert.deepEqual(await readOne(bootstrap.slice(0, 2), 'orders'), { key: 'order-1', value: '{"total":42}' });

      const pids = [...run.pids, run.zookeeperPid];
      assert.equal(await interrupt(run), 0, run.stderr.join('\n'));
      assert.ok(run.stdout.some((l) => /stopping ZooKeeper/.test(l)));
      assert.deepEqual(
        pids.filter((pid) => alive(pid)),
        [],
        'no broker or ZooKeeper process is left',
      );
      for (const port of [...ports, zookeeperPort]) assert.equal(await accepting(port), false, `port ${port} closed`);
      assert.equal(run.stderr.filter((l) => /warning|error/i.test(l)).length, 1, 'only the killed broker was reported');

      // The same data directory: the same cluster, topic and record (broker-3 waits out its old session).
      const first = run;
      run = await startLocalCluster(args);
      assert.deepEqual(
        run.stderr.filter((l) => /warning/i.test(l)),
        [],
        'a clean start reports no problems',
      );
      assert.equal(run.clusterId, first.clusterId);
      const again = new Admin({ brokers: bootstrap });
      try {
        const [orders] = await again.describeTopics(['orders']);
        assert.deepEqual(orders!.partitions[0]!.replicas.sort(), [1, 2, 3]);
      } finally {
        await again.close();
      }
      assert.deepEqual(await readOne(bootstrap, 'orders'), { key: 'order-1', value: '{"total":42}' });

      // A second local-cluster on the same data is refused, whatever its ports.
      const other = await runCli([
        'local-cluster',
        '--base-port',
        String(await freePortRange(3)),
        '--data-dir',
        dataDir,
      ]);
      assert.equal(other.code, 1);
      assert.match(other.stderr, new RegExp(`another gregor local-cluster \\(pid ${run.child.pid}\\) is running on `));

      assert.equal(await interrupt(run), 0, run.stderr.join('\n'));
      assert.deepEqual(
        [...run.pids, run.zookeeperPid].filter((pid) => alive(pid)),
        [],
      );

      // A local-cluster killed outright leaves its brokers and ZooKeeper running; the next run names them.
      run = await startLocalCluster(args);
      run.child.kill('SIGKILL');
      await run.exited;
      const leftovers = [...run.pids, run.zookeeperPid];
      const next = await runCli(['local-cluster', ...args]);
      assert.equal(next.code, 1);
      assert.match(next.stderr, /was killed and left broker-1 \(pid \d+\), broker-2 .* ZooKeeper \(pid \d+\) running/);
      assert.match(next.stderr, new RegExp(`stop them with \`kill ${leftovers.join(' ')}\``));
      assert.ok(
        leftovers.every((pid) => alive(pid)),
        'nothing was touched',
      );
    } finally {
      killAll(run);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

test('a port in use is named before anything starts', { skip: NO_ZOOKEEPER }, async () => {
  const basePort = await freePortRange(2);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(basePort + 1, '127.0.0.1', r));
  const dataDir = mkdtempSync(join(tmpdir(), 'gregor-local-cluster-'));
  try {
    const r = await runCli([
      'local-cluster',
      '--brokers',
      '2',
      '--base-port',
      String(basePort),
      '--zookeeper-port',
      String(await freePort()),
      '--data-dir',
      dataDir,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^gregor: error: port ${basePort + 1} \\(broker-2\\) is already in use on 127\\.0\\.0\\.1: .*--base-port`,
      ),
    );
    assert.equal(r.stdout, '');
  } finally {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('--override of a setting local-cluster sets per broker is a usage error', async () => {
  const r = await runCli(['local-cluster', '--override', 'listeners=PLAINTEXT://127.0.0.1:1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--override listeners: local-cluster sets it for each broker \(use --base-port\)/);
});

test('without ZooKeeper installed it says how to install it', async () => {
  // No java on the PATH: ZooKeeper cannot run, whatever is under /usr/share/java.
  const r = await runCli(['local-cluster'], { env: { PATH: '/nonexistent' } });
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'gregor: error: ZooKeeper is not installed: on Debian/Ubuntu run `sudo apt-get install zookeeper` (or point --zookeeper at an existing ensemble)\n',
  );
});
