/**
 * A test cluster: a ZooKeeper (one node or an ensemble) and N brokers as real processes on
 * ephemeral ports, each with its own data directory, with the faults tests need: kill -9,
 * SIGSTOP/SIGCONT, SIGTERM (controlled shutdown) and restart on the same port and data.
 * `stop()` ends everything it started and removes the data.
 */
import { rmSync } from 'node:fs';
import { BrokerConnection } from '@gregor/client';
import { ApiKey } from '@gregor/protocol';
import { newDataDir, spawnBroker, type SpawnedBroker, type SpawnOptions } from './index.js';
import { startZooKeeper, type TestZooKeeper } from './zookeeper.js';

export interface ClusterOptions {
  brokers?: number;
  /** ZooKeeper nodes: 1 (default) or 3 for an ensemble. */
  zookeeperNodes?: number;
  /** zookeeper.session.timeout.ms of every broker (default 6000, as Kafka's tests use). */
  sessionTimeoutMs?: number;
  /** Extra broker settings, for every broker. */
  overrides?: Record<string, string>;
  /** Per-broker settings (by broker id), e.g. broker.rack. */
  brokerOverrides?: Record<number, Record<string, string>>;
  spawn?: SpawnOptions;
}

export interface ClusterBroker {
  id: number;
  dataDir: string;
  /** The port, fixed after the first start so restarts keep it. */
  port: number;
  process: SpawnedBroker | undefined;
  /** The log lines of each run of this broker, oldest run first. */
  runs: string[][];
}

export interface TestCluster {
  zookeeper: TestZooKeeper;
  brokers: ClusterBroker[];
  /** host:port of every broker (clients skip the dead ones). */
  bootstrap: string;
  broker(id: number): ClusterBroker;
  /** SIGKILL; resolves when the process is gone. */
  kill(id: number): Promise<void>;
  /** SIGTERM (controlled shutdown); resolves with the exit code. */
  terminate(id: number): Promise<number | string>;
  pause(id: number): void;
  resume(id: number): void;
  /** Starts a stopped broker again on its port and data. */
  restart(id: number): Promise<void>;
  /** Resolves when every running broker's Metadata lists exactly the running brokers. */
  waitForMembership(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.brokers ?? 3;
  const zookeeper = await startZooKeeper({ nodes: options.zookeeperNodes ?? 1 });
  const brokers: ClusterBroker[] = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    dataDir: newDataDir(),
    port: 0,
    process: undefined,
    runs: [],
  }));
  const settings = (b: ClusterBroker): Record<string, string> => ({
    'broker.id': String(b.id),
    'zookeeper.connect': zookeeper.connectString,
    'zookeeper.session.timeout.ms': String(options.sessionTimeoutMs ?? 6000),
    'zookeeper.connection.timeout.ms': '20000',
    'log.level': 'info',
    ...options.overrides,
    ...options.brokerOverrides?.[b.id],
  });
  const launch = async (b: ClusterBroker): Promise<void> => {
    const p = await spawnBroker(b.dataDir, settings(b), b.port, options.spawn);
    b.port = p.port;
    b.process = p;
    b.runs.push(p.logLines);
  };
  const started: TestCluster = {
    zookeeper,
    brokers,
    get bootstrap() {
      return brokers.map((b) => `127.0.0.1:${b.port}`).join(',');
    },
    broker(id) {
      const b = brokers.find((x) => x.id === id);
      if (!b) throw new Error(`no broker ${id}`);
      return b;
    },
    async kill(id) {
      const b = this.broker(id);
      if (!b.process) return;
      b.process.child.kill('SIGCONT');
      b.process.child.kill('SIGKILL');
      await b.process.exited;
      b.process = undefined;
    },
    async terminate(id) {
      const b = this.broker(id);
      if (!b.process) return -1;
      b.process.child.kill('SIGTERM');
      const code = await b.process.exited;
      b.process = undefined;
      return code;
    },
    pause(id) {
      this.broker(id).process?.child.kill('SIGSTOP');
    },
    resume(id) {
      this.broker(id).process?.child.kill('SIGCONT');
    },
    async restart(id) {
      const b = this.broker(id);
      if (b.process) throw new Error(`broker ${id} is running`);
      await launch(b);
    },
    async waitForMembership(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = brokers.filter((b) => b.process).map((b) => b.id);
        let agreed = true;
        for (const b of brokers.filter((x) => x.process)) {
          const ids = await liveBrokerIds(b.port).catch(() => []);
          if (ids.join() !== running.join()) agreed = false;
        }
        if (agreed) return;
        if (Date.now() > deadline)
          throw new Error(`brokers did not agree on membership [${running}] in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      await Promise.all(brokers.map((b) => this.kill(b.id)));
      await zookeeper.stop();
      for (const b of brokers) rmSync(b.dataDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(brokers.map((b) => launch(b)));
    await started.waitForMembership();
  } catch (err) {
    const tails = brokers.map((b) => `broker ${b.id}:\n  ${(b.runs.at(-1) ?? []).slice(-8).join('\n  ')}`);
    await started.stop();
    throw new Error(`${(err as Error).message}\n${tails.join('\n')}`, { cause: err });
  }
  return started;
}

/** The broker ids a broker's Metadata lists, sorted (`host`: its address, e.g. a NetLab node's). */
export async function liveBrokerIds(port: number, host = '127.0.0.1'): Promise<number[]> {
  const conn = new BrokerConnection({
    host,
    port,
    clientId: 'gregor-test-cluster',
    connectTimeoutMs: 2000,
    requestTimeoutMs: 5000,
    maxInFlightRequests: 1,
  });
  try {
    const res = await conn.send(ApiKey.Metadata, { topics: [], allowAutoTopicCreation: false });
    return res.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  } finally {
    conn.close();
  }
}
