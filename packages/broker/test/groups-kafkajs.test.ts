/**
 * kafkajs consumer groups against a real broker: three consumers share a 6-partition topic with
 * no partition owned twice (their GROUP_JOIN assignments and DescribeGroups agree); a member
 * leaving cleanly and a member killed with SIGKILL (no LeaveGroup: its session expires) each
 * trigger a rebalance in which every partition is reassigned and no record committed before is
 * read again.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import type { TestBroker } from '../src/testing/index.js';
import {
  coversExactly,
  decodeAssignment,
  groupKafka,
  produce,
  startGroupBroker,
  startMember,
  waitFor,
  type Member,
} from './support/groups.js';

let tb: TestBroker;
let kafka: Kafka;

before(async () => {
  tb = await startGroupBroker();
  kafka = groupKafka(tb.bootstrap);
});
after(() => tb.stop());

async function createTopic(topic: string, partitions = 6): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets!.partitions.reduce((n, p) => n + Math.max(Number(p.offset), 0), 0);
  } finally {
    await admin.disconnect();
  }
}

async function describe(groupId: string) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeGroups([groupId])).groups[0]!;
  } finally {
    await admin.disconnect();
  }
}

const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

test('three kafkajs consumers share a 6-partition topic, no partition owned twice', { timeout: 60_000 }, async () => {
  const topic = 'share-6';
  const groupId = 'share-group';
  await createTopic(topic);
  await produce(kafka, topic, values('r', 60), 6);
  const members: Member[] = [];
  try {
    for (const name of ['a', 'b', 'c']) members.push(await startMember(kafka, groupId, topic, name));
    const group = await waitFor('a stable group of three', async () => {
      const g = await describe(groupId);
      return g.state === 'Stable' && g.members.length === 3 && g;
    });
    const described = group.members.map((m) => decodeAssignment(m.memberAssignment)[topic] ?? []);
    assert.ok(coversExactly(described, 6), `DescribeGroups assignments ${JSON.stringify(described)}`);
    assert.ok(described.every((ps) => ps.length === 2));
    await waitFor('every member to see the last generation', () =>
      coversExactly(
        members.map((m) => m.assigned),
        6,
      ),
    );
    await waitFor('all 60 records read', () => members.reduce((n, m) => n + m.read.length, 0) >= 60);
    const seen = members.flatMap((m) => m.read.map((r) => r.value));
    assert.equal(new Set(seen).size, 60);
    // Partitions each member read from are the ones it was last assigned (or held before the final rebalance).
    assert.equal(group.protocolType, 'consumer');
    assert.equal(group.protocol, 'RoundRobinAssigner');
  } finally {
    for (const m of members) await m.consumer.disconnect();
  }
});

/** Phase 1 records are all committed; after `depart`, survivors own every partition and read only phase 2. */
async function rebalanceScenario(
  groupId: string,
  topic: string,
  depart: (survivors: Member[]) => Promise<{ readPhase1: string[] }>,
) {
  const survivors: Member[] = [];
  try {
    survivors.push(await startMember(kafka, groupId, topic, 'a', { sessionTimeout: 3000 }));
    survivors.push(await startMember(kafka, groupId, topic, 'b', { sessionTimeout: 3000 }));
    const { readPhase1 } = await depart(survivors);
    await waitFor('survivors to own every partition', () =>
      coversExactly(
        survivors.map((m) => m.assigned),
        6,
      ),
    );
    const g = await waitFor('a stable group of two', async () => {
      const d = await describe(groupId);
      return d.state === 'Stable' && d.members.length === 2 && d;
    });
    assert.ok(
      coversExactly(
        g.members.map((m) => decodeAssignment(m.memberAssignment)[topic] ?? []),
        6,
      ),
    );
    const before = survivors.map((m) => m.read.length);
    await produce(kafka, topic, values('phase2', 60), 6);
    await waitFor(
      'phase 2 read',
      () => survivors.reduce((n, m) => n + m.read.length, 0) - before[0]! - before[1]! >= 60,
    );
    await new Promise((r) => setTimeout(r, 300));
    const afterRebalance = survivors.flatMap((m, i) => m.read.slice(before[i]).map((r) => r.value));
    assert.deepEqual(
      afterRebalance.filter((v) => !v.startsWith('phase2')),
      [],
      'records committed before the rebalance were read again',
    );
    assert.equal(new Set(afterRebalance).size, 60);
    assert.equal(afterRebalance.length, 60);
    const phase1 = [...readPhase1, ...survivors.flatMap((m, i) => m.read.slice(0, before[i]).map((r) => r.value))];
    assert.equal(new Set(phase1.filter((v) => v.startsWith('phase1'))).size, 60);
    await waitFor('phase 2 committed', async () => (await committedTotal(groupId, topic)) === 120);
  } finally {
    for (const m of survivors) await m.consumer.disconnect();
  }
}

test('a member leaving triggers a rebalance; committed records are not read again', { timeout: 60_000 }, async () => {
  const topic = 'leave-6';
  const groupId = 'leave-group';
  await createTopic(topic);
  await rebalanceScenario(groupId, topic, async (survivors) => {
    const leaver = await startMember(kafka, groupId, topic, 'leaver', { sessionTimeout: 3000 });
    const all = [...survivors, leaver];
    await waitFor(
      'three members share the partitions',
      () =>
        all.every((m) => m.assigned.length === 2) &&
        coversExactly(
          all.map((m) => m.assigned),
          6,
        ),
    );
    await produce(kafka, topic, values('phase1', 60), 6);
    await waitFor('phase 1 read', () => all.reduce((n, m) => n + m.read.length, 0) >= 60);
    await waitFor('phase 1 committed', async () => (await committedTotal(groupId, topic)) === 60);
    assert.ok(leaver.assigned.length > 0);
    await leaver.consumer.disconnect();
    return { readPhase1: leaver.read.map((r) => r.value) };
  });
});

const MEMBER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'support', 'group-member.ts');

test('a member killed without leaving expires and its partitions move on', { timeout: 60_000 }, async () => {
  const topic = 'kill-6';
  const groupId = 'kill-group';
  await createTopic(topic);
  await rebalanceScenario(groupId, topic, async (survivors) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MEMBER_SCRIPT, tb.bootstrap, groupId, topic, '2000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const childState = { assigned: [] as number[], read: [] as string[] };
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const e = JSON.parse(line) as { assigned?: number[]; read?: { value: string } };
        if (e.assigned) childState.assigned = [...e.assigned].sort((a, b) => a - b);
        if (e.read) childState.read.push(e.read.value);
      } catch {
        // not an event line
      }
    });
    try {
      await waitFor(
        'three members share the partitions',
        () =>
          [...survivors.map((m) => m.assigned), childState.assigned].every((a) => a.length === 2) &&
          coversExactly([...survivors.map((m) => m.assigned), childState.assigned], 6),
      );
      await produce(kafka, topic, values('phase1', 60), 6);
      await waitFor(
        'phase 1 read',
        () => survivors.reduce((n, m) => n + m.read.length, 0) + childState.read.length >= 60,
      );
      await waitFor('phase 1 committed', async () => (await committedTotal(groupId, topic)) === 60);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    return { readPhase1: childState.read };
  });
});
