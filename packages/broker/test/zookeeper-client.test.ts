/**
 * The broker's ZooKeeper session against a real ZooKeeper (Debian's 3.8): chroot creation,
 * conditional writes, ephemeral nodes, watches, atomic multi-ops, and a three-node ensemble that
 * keeps serving with one node killed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startZooKeeper, type TestZooKeeper } from '@gregor/broker/testing';
import { parseConnectString, ZkClient, ZkError, ZkErrorCode } from '../src/zk/zk-client.js';

const OPTIONS = { sessionTimeoutMs: 6_000, connectionTimeoutMs: 10_000 };
const text = (b: Buffer | undefined) => b?.toString('utf8');

test('zookeeper.connect strings parse as Kafka reads them', () => {
  assert.deepEqual(parseConnectString('127.0.0.1:2181'), { servers: '127.0.0.1:2181', chroot: '' });
  assert.deepEqual(parseConnectString('a:1,b:2/kafka/prod'), { servers: 'a:1,b:2', chroot: '/kafka/prod' });
  assert.deepEqual(parseConnectString('a:1/'), { servers: 'a:1', chroot: '' });
  assert.throws(() => parseConnectString('localhost'), /host:port/);
  assert.throws(() => parseConnectString('/chroot'), /host:port/);
});

test('connecting to a ZooKeeper that is not there fails within the connection timeout', async () => {
  const started = Date.now();
  await assert.rejects(
    ZkClient.connect('127.0.0.1:1', { sessionTimeoutMs: 6_000, connectionTimeoutMs: 1_000 }),
    (e: unknown) => e instanceof ZkError && e.code === ZkErrorCode.TIMEOUT && /127\.0\.0\.1:1/.test(e.message),
  );
  assert.ok(Date.now() - started < 5_000);
});

describe('one ZooKeeper node', () => {
  let zk: TestZooKeeper;
  before(async () => {
    zk = await startZooKeeper();
  });
  after(() => zk.stop());

  test('a chroot is created on first connect and hides everything outside it', async () => {
    const rooted = await ZkClient.connect(`${zk.connectString}/gregor/test-a`, OPTIONS);
    await rooted.create('/cluster', Buffer.from('x'));
    rooted.close();
    const plain = await ZkClient.connect(zk.connectString, OPTIONS);
    assert.equal(text((await plain.get('/gregor/test-a/cluster'))?.data), 'x');
    assert.equal(await plain.get('/cluster'), null);
    plain.close();
  });

  test('writes are conditional on the version read, and a stale version is refused', async () => {
    const c = await ZkClient.connect(`${zk.connectString}/cond`, OPTIONS);
    await c.createRecursive('/brokers/topics/t/partitions/0/state', Buffer.from('{"leader":1}'));
    const read = await c.get('/brokers/topics/t/partitions/0/state');
    assert.ok(read);
    const written = await c.set('/brokers/topics/t/partitions/0/state', Buffer.from('{"leader":2}'), read.stat.version);
    assert.equal(written.version, read.stat.version + 1);
    await assert.rejects(
      c.set('/brokers/topics/t/partitions/0/state', Buffer.from('{"leader":3}'), read.stat.version),
      (e: unknown) => e instanceof ZkError && e.code === ZkErrorCode.BAD_VERSION,
    );
    assert.equal(text((await c.get('/brokers/topics/t/partitions/0/state'))?.data), '{"leader":2}');
    await assert.rejects(
      c.create('/brokers/topics/t', Buffer.alloc(0)),
      (e: unknown) => e instanceof ZkError && e.code === ZkErrorCode.NODE_EXISTS,
    );
    c.close();
  });

  test('an ephemeral node goes with its session, and a watch on it fires', async () => {
    const owner = await ZkClient.connect(`${zk.connectString}/eph`, OPTIONS);
    const watcher = await ZkClient.connect(`${zk.connectString}/eph`, OPTIONS);
    await owner.ensurePath('/brokers/ids');
    await owner.create('/brokers/ids/1', Buffer.from('{}'), 'ephemeral');
    const registered = await watcher.exists('/brokers/ids/1');
    assert.ok(registered && registered.ephemeralOwner !== 0n && registered.czxid > 0n);
    // The watches are armed (their reads answered) before the owner goes away.
    let nodeGone!: () => void;
    let childrenGone!: () => void;
    const gone = new Promise<void>((resolve) => (nodeGone = resolve));
    const childrenChanged = new Promise<void>((resolve) => (childrenGone = resolve));
    assert.ok(await watcher.get('/brokers/ids/1', nodeGone));
    assert.deepEqual(await watcher.children('/brokers/ids', childrenGone), ['1']);
    owner.close();
    await gone;
    await childrenChanged;
    assert.equal(await watcher.exists('/brokers/ids/1'), null);
    assert.deepEqual(await watcher.children('/brokers/ids'), []);
    watcher.close();
  });

  test('a multi applies every operation or none', async () => {
    const c = await ZkClient.connect(`${zk.connectString}/multi`, OPTIONS);
    await c.create('/a', Buffer.from('1'));
    await assert.rejects(
      c.multi([
        { op: 'create', path: '/b', data: Buffer.from('2') },
        { op: 'check', path: '/a', version: 7 },
      ]),
      (e: unknown) => e instanceof ZkError && e.code === ZkErrorCode.BAD_VERSION,
    );
    assert.equal(await c.exists('/b'), null, 'the create was rolled back');
    await c.multi([
      { op: 'create', path: '/b', data: Buffer.from('2') },
      { op: 'set', path: '/a', data: Buffer.from('3'), version: 0 },
    ]);
    assert.equal(text((await c.get('/a'))?.data), '3');
    assert.equal(text((await c.get('/b'))?.data), '2');
    // Version 0 is a real condition inside a multi too (the library alone would send -1, "any").
    await c.create('/fresh', Buffer.from('0'));
    await c.set('/fresh', Buffer.from('1'), 0);
    await assert.rejects(
      c.multi([{ op: 'set', path: '/fresh', data: Buffer.from('2'), version: 0 }]),
      (e: unknown) => e instanceof ZkError && e.code === ZkErrorCode.BAD_VERSION,
    );
    await assert.rejects(
      c.multi([{ op: 'check', path: '/fresh', version: 0 }]),
      (e: unknown) => e instanceof ZkError && e.code === ZkErrorCode.BAD_VERSION,
    );
    assert.equal(text((await c.get('/fresh'))?.data), '1');
    const seq = await c.create('/b/item_', Buffer.alloc(0), 'persistent-sequential');
    assert.match(seq, /^\/b\/item_\d{10}$/);
    await c.deleteRecursive('/b');
    assert.equal(await c.exists('/b'), null);
    c.close();
  });
});

describe('a three-node ZooKeeper ensemble', () => {
  let zk: TestZooKeeper;
  before(async () => {
    zk = await startZooKeeper({ nodes: 3 });
  });
  after(() => zk.stop());

  test('keeps serving reads and writes with one node killed, and the node rejoins', async () => {
    const c = await ZkClient.connect(`${zk.connectString}/ensemble`, OPTIONS);
    await c.create('/before', Buffer.from('1'));
    await zk.kill(0);
    // The session may be on the killed node; the client moves to another within the session timeout.
    let wrote = false;
    for (let attempt = 0; attempt < 50 && !wrote; attempt++) {
      try {
        await c.create('/during', Buffer.from('2'));
        wrote = true;
      } catch (err) {
        if (err instanceof ZkError && err.code === ZkErrorCode.NODE_EXISTS) wrote = true;
        else await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.ok(wrote, 'a write succeeded with two of three nodes');
    assert.equal(text((await c.get('/before'))?.data), '1');
    await zk.restart(0);
    // Only the restarted node: it must have caught up on what the other two agreed without it.
    const fresh = await ZkClient.connect(`127.0.0.1:${zk.nodes[0]!.clientPort}/ensemble`, OPTIONS);
    assert.equal(text((await fresh.get('/during'))?.data), '2', 'the restarted node has the write made without it');
    fresh.close();
    c.close();
  });
});
