/**
 * Committed offsets and group listings through kafkajs's admin client: fetchOffsets,
 * listGroups and describeGroups read back the same after a clean restart and after kill -9
 * (spawnBroker), and a consumer-lag table (committed offset, log end offset, lag per partition)
 * comes out exactly.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import type { Kafka } from 'kafkajs';
import { newDataDir, spawnBroker } from '../src/testing/index.js';
import { GROUP_BROKER_CONFIG, groupKafka, produce, startGroupBroker, startMember, waitFor } from './support/groups.js';

async function withAdmin<T>(kafka: Kafka, fn: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Two groups: one that consumed with kafkajs and left (Empty, generation > 0), one whose offsets kafkajs's admin set. */
async function setUpGroups(kafka: Kafka): Promise<void> {
  await withAdmin(kafka, (admin) =>
    admin.createTopics({ topics: [{ topic: 'persist', numPartitions: 3 }], waitForLeaders: true }),
  );
  await produce(
    kafka,
    'persist',
    Array.from({ length: 30 }, (_, i) => `v${i}`),
    3,
  );
  const member = await startMember(kafka, 'consumed-group', 'persist', 'm');
  await waitFor('30 records read', () => member.read.length >= 30);
  await waitFor('all committed', () =>
    withAdmin(kafka, async (admin) => {
      const [t] = await admin.fetchOffsets({ groupId: 'consumed-group', topics: ['persist'] });
      return t!.partitions.every((p) => p.offset === '10');
    }),
  );
  await member.consumer.disconnect();
  await withAdmin(kafka, (admin) =>
    admin.setOffsets({
      groupId: 'simple-group',
      topic: 'persist',
      partitions: [
        { partition: 0, offset: '3' },
        { partition: 2, offset: '7' },
      ],
    }),
  );
}

async function snapshot(kafka: Kafka) {
  return withAdmin(kafka, async (admin) => {
    const sortParts = <T extends { partition: number }>(ps: T[]) => [...ps].sort((a, b) => a.partition - b.partition);
    const offsets = async (groupId: string) =>
      (await admin.fetchOffsets({ groupId, topics: ['persist'] })).map((t) => ({
        ...t,
        partitions: sortParts(t.partitions),
      }));
    const listed = (await admin.listGroups()).groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
    const described = (await admin.describeGroups(['consumed-group', 'simple-group'])).groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      members: g.members.length,
    }));
    return { consumed: await offsets('consumed-group'), simple: await offsets('simple-group'), listed, described };
  });
}

const EXPECTED_LISTED = [
  { groupId: 'consumed-group', protocolType: 'consumer' },
  { groupId: 'simple-group', protocolType: 'consumer' },
];

test('committed offsets and groups survive a clean restart', { timeout: 60_000 }, async () => {
  let tb = await startGroupBroker();
  try {
    await setUpGroups(groupKafka(tb.bootstrap));
    const before = await snapshot(groupKafka(tb.bootstrap));
    assert.deepEqual(before.listed, EXPECTED_LISTED);
    assert.deepEqual(
      before.consumed[0]!.partitions.map((p) => p.offset),
      ['10', '10', '10'],
    );
    assert.deepEqual(
      before.simple[0]!.partitions.map((p) => p.offset),
      ['3', '-1', '7'],
    );
    assert.deepEqual(before.described, [
      { groupId: 'consumed-group', state: 'Empty', protocolType: 'consumer', members: 0 },
      { groupId: 'simple-group', state: 'Empty', protocolType: 'consumer', members: 0 },
    ]);
    tb = await tb.restart();
    const after = await waitFor('groups loaded', async () => {
      const s = await snapshot(groupKafka(tb.bootstrap));
      return s.listed.length === 2 && s;
    });
    assert.deepEqual(after, before);
  } finally {
    await tb.stop();
  }
});

test('committed offsets and groups survive kill -9', { timeout: 60_000 }, async () => {
  const dataDir = newDataDir();
  const overrides = { ...GROUP_BROKER_CONFIG, 'log.level': 'info' };
  let spawned = await spawnBroker(dataDir, overrides);
  try {
    await setUpGroups(groupKafka(spawned.bootstrap));
    const before = await snapshot(groupKafka(spawned.bootstrap));
    assert.deepEqual(before.listed, EXPECTED_LISTED);
    spawned.child.kill('SIGKILL');
    await spawned.exited;
    spawned = await spawnBroker(dataDir, overrides, spawned.port);
    const after = await waitFor('groups loaded', async () => {
      const s = await snapshot(groupKafka(spawned.bootstrap));
      return s.listed.length === 2 && s;
    });
    assert.deepEqual(after, before);
  } finally {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('consumer lag per partition: committed offset, log end offset, lag', { timeout: 30_000 }, async () => {
  const tb = await startGroupBroker();
  const kafka = groupKafka(tb.bootstrap);
  try {
    await withAdmin(kafka, (admin) =>
      admin.createTopics({ topics: [{ topic: 'lag', numPartitions: 4 }], waitForLeaders: true }),
    );
    const counts = [10, 20, 30, 5];
    const producer = kafka.producer();
    await producer.connect();
    for (const [partition, n] of counts.entries())
      await producer.send({
        topic: 'lag',
        messages: Array.from({ length: n }, (_, i) => ({ value: `${i}`, partition })),
      });
    await producer.disconnect();
    await withAdmin(kafka, (admin) =>
      admin.setOffsets({
        groupId: 'lag-group',
        topic: 'lag',
        partitions: [
          { partition: 0, offset: '10' },
          { partition: 1, offset: '5' },
          { partition: 2, offset: '0' },
        ],
      }),
    );
    const table = await withAdmin(kafka, async (admin) => {
      const [committed] = await admin.fetchOffsets({ groupId: 'lag-group', topics: ['lag'] });
      const ends = await admin.fetchTopicOffsets('lag');
      return ends
        .map((e) => {
          const c = Number(committed!.partitions.find((p) => p.partition === e.partition)!.offset);
          const end = Number(e.high);
          return { partition: e.partition, committed: c, logEnd: end, lag: c < 0 ? end - Number(e.low) : end - c };
        })
        .sort((a, b) => a.partition - b.partition);
    });
    assert.deepEqual(table, [
      { partition: 0, committed: 10, logEnd: 10, lag: 0 },
      { partition: 1, committed: 5, logEnd: 20, lag: 15 },
      { partition: 2, committed: 0, logEnd: 30, lag: 30 },
      { partition: 3, committed: -1, logEnd: 5, lag: 5 },
    ]);
  } finally {
    await tb.stop();
  }
});
