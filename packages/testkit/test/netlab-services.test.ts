/**
 * Real services inside NetLab nodes: Debian's ZooKeeper (a Java process) bound to its node's
 * address and cut off by isolate(); a three-node ensemble across namespaces re-electing when its
 * leader is isolated; and a spawned broker in a namespace that our client in the root namespace
 * produces to and consumes from. Needs root and, for the ZooKeeper tests, ZooKeeper.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { Admin, Consumer, Producer } from '@gregor/client';
import { newDataDir, spawnBroker, startZooKeeper, zookeeperInstalled } from '@gregor/broker/testing';
import { NetLab, type LabNode } from '@gregor/testkit/netlab';

const unavailable = await NetLab.unavailable();
// CI installs what the lab needs, so there a missing piece fails the tests instead of skipping them.
const skip = process.env.CI ? false : (unavailable ?? false);

/** Cleanups run last-registered first (the lab goes last), each even when one before it fails. */
function cleanupStack(t: TestContext): (step: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    for (const step of steps.reverse())
      await Promise.resolve()
        .then(step)
        .catch((err) => t.diagnostic(String(err)));
  });
  return (step) => steps.push(step);
}

const pidsIn = (node: LabNode): number[] =>
  execFileSync('ip', ['netns', 'pids', node.netns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);

test(
  'ZooKeeper runs inside a namespace on its node address; clients reach it, an isolated node does not',
  { skip: skip || (!process.env.CI && !zookeeperInstalled() && 'ZooKeeper is not installed') },
  async (t) => {
    const cleanup = cleanupStack(t);
    const lab = await NetLab.create({ name: 'netlab-zookeeper' });
    cleanup(() => lab.destroy());
    const zkNode = await lab.addNode('zk');
    const broker = await lab.addNode('b1');
    const zk = await startZooKeeper({ hosts: [{ host: zkNode.ip, wrap: zkNode.wrap }] });
    cleanup(() => zk.stop());
    const port = zk.nodes[0]!.clientPort;

    assert.equal(zk.connectString, `${zkNode.ip}:${port}`);
    assert.ok(pidsIn(zkNode).includes(zk.nodes[0]!.child!.pid!), 'the Java process lives in the zk namespace');
    assert.deepEqual(await lab.probe(zkNode.ip, port, { send: 'ruok', read: true }), {
      outcome: 'connected',
      reply: 'imok',
    });
    const srvr = await broker.probe(zkNode.ip, port, { send: 'srvr', read: true });
    assert.equal(srvr.outcome, 'connected');
    assert.match(srvr.outcome === 'connected' ? srvr.reply : '', /Mode: standalone/);

    // The zk node cut off from the brokers: b1 times out, the root namespace still gets answers.
    await lab.isolate('zk');
    assert.equal((await broker.probe(zkNode.ip, port, { send: 'srvr', read: true })).outcome, 'timeout');
    assert.deepEqual(await lab.probe(zkNode.ip, port, { send: 'ruok', read: true }), {
      outcome: 'connected',
      reply: 'imok',
    });
    await lab.heal();
    assert.equal((await broker.probe(zkNode.ip, port, { send: 'ruok', read: true })).outcome, 'connected');
  },
);

test(
  'a ZooKeeper ensemble across three namespaces: isolating its leader elects another; after heal() the old one follows',
  { skip: skip || (!process.env.CI && !zookeeperInstalled() && 'ZooKeeper is not installed') },
  async (t) => {
    const cleanup = cleanupStack(t);
    const lab = await NetLab.create({ name: 'netlab-ensemble' });
    cleanup(() => lab.destroy());
    const nodes = [await lab.addNode('z1'), await lab.addNode('z2'), await lab.addNode('z3')];
    const zk = await startZooKeeper({ nodes: 3, hosts: nodes.map((n) => ({ host: n.ip, wrap: n.wrap })) });
    cleanup(() => zk.stop());
    assert.equal(zk.connectString, nodes.map((n, i) => `${n.ip}:${zk.nodes[i]!.clientPort}`).join(','));

    // Each node's role as its `srvr` reports it to a client in the root namespace.
    const modes = () =>
      Promise.all(
        nodes.map(async (n, i) => {
          const r = await lab.probe(n.ip, zk.nodes[i]!.clientPort, { send: 'srvr', read: true });
          const reply = r.outcome === 'connected' ? r.reply : r.outcome;
          return /Mode: (\w+)/.exec(reply)?.[1] ?? (/not currently serving/.test(reply) ? 'not serving' : reply);
        }),
      );
    const waitForModes = async (what: string, ok: (m: string[]) => boolean): Promise<string[]> => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const m = await modes();
        if (ok(m)) return m;
        assert.ok(Date.now() < deadline, `${what}: modes still ${JSON.stringify(m)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const first = await waitForModes('a leader', (m) => m.filter((x) => x === 'leader').length === 1);
    const old = first.indexOf('leader');

    await lab.isolate(nodes[old]!.name);
    const during = await waitForModes(
      'the majority elects a new leader, the isolated node stops serving',
      (m) => m[old] === 'not serving' && m.filter((x, i) => i !== old && x === 'leader').length === 1,
    );
    assert.equal(during.filter((x) => x === 'follower').length, 1);

    await lab.heal();
    await waitForModes('the old leader rejoins as a follower', (m) => m[old] === 'follower');
  },
);

test(
  'spawnBroker runs a broker inside a namespace on its node address; our client produces and consumes from the root namespace',
  { skip },
  async (t) => {
    const cleanup = cleanupStack(t);
    const lab = await NetLab.create({ name: 'netlab-broker' });
    cleanup(() => lab.destroy());
    const node = await lab.addNode('b1');
    const dataDir = newDataDir();
    cleanup(() => rmSync(dataDir, { recursive: true, force: true }));
    const spawned = await spawnBroker(dataDir, {}, 0, { host: node.ip, wrap: node.wrap });
    cleanup(async () => {
      spawned.child.kill('SIGKILL');
      await spawned.exited;
    });

    assert.equal(spawned.bootstrap, `${node.ip}:${spawned.port}`);
    assert.ok(pidsIn(node).includes(spawned.child.pid!), 'the broker process lives in the namespace');
    // Bound to the node's address only: nothing answers on the root namespace's loopback.
    assert.equal((await lab.probe('127.0.0.1', spawned.port)).outcome, 'refused');

    const brokers = [spawned.bootstrap];
    const admin = new Admin({ brokers });
    cleanup(() => admin.close());
    await admin.createTopics([{ topic: 'in-a-namespace', numPartitions: 1 }]);
    const producer = new Producer({ brokers });
    cleanup(() => producer.close());
    const ack = await producer.send({ topic: 'in-a-namespace', key: 'k', value: 'across the bridge' });
    assert.equal(ack.offset, 0);

    const consumer = new Consumer({ brokers });
    cleanup(() => consumer.close());
    consumer.assign([{ topic: 'in-a-namespace', partition: 0, offset: 'earliest' }]);
    const values: string[] = [];
    const deadline = Date.now() + 60_000;
    while (values.length === 0 && Date.now() < deadline)
      for (const r of await consumer.poll(1_000)) values.push(String(r.value));
    assert.deepEqual(values, ['across the bridge']);
  },
);
