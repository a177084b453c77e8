/**
 * The controller's pure decisions: replica placement matches Kafka's for the same inputs (the
 * tables below are what Kafka's AdminUtils produces with a fixed start), and leader elections
 * follow Kafka's rules, unclean only when allowed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  electForReassignment,
  electForShutdown,
  electOffline,
  electPreferred,
} from '../src/controller/leader-election.js';
import { AssignmentError, assignReplicas, rackAlternatedBrokers } from '../src/controller/replica-assignment.js';

const noRacks = (n: number) => Array.from({ length: n }, (_, i) => ({ nodeId: i, rack: null }));
const racks = (m: Record<number, string>) => Object.entries(m).map(([id, rack]) => ({ nodeId: Number(id), rack }));

test('rack-unaware placement spreads leaders and shifts followers as Kafka does', () => {
  const plan = assignReplicas(noRacks(5), 10, 3, { fixedStartIndex: 0 });
  assert.deepEqual(Object.fromEntries(plan), {
    0: [0, 1, 2],
    1: [1, 2, 3],
    2: [2, 3, 4],
    3: [3, 4, 0],
    4: [4, 0, 1],
    5: [0, 2, 3],
    6: [1, 3, 4],
    7: [2, 4, 0],
    8: [3, 0, 1],
    9: [4, 1, 2],
  });
});

test('rack-aware placement alternates racks and puts each replica of a partition on its own rack', () => {
  const brokers = racks({ 0: 'rack1', 1: 'rack3', 2: 'rack3', 3: 'rack2', 4: 'rack2', 5: 'rack1' });
  assert.deepEqual(rackAlternatedBrokers(brokers), [0, 3, 1, 5, 4, 2]);
  const plan = assignReplicas(brokers, 7, 3, { fixedStartIndex: 0 });
  assert.deepEqual(Object.fromEntries(plan), {
    0: [0, 3, 1],
    1: [3, 1, 5],
    2: [1, 5, 4],
    3: [5, 4, 2],
    4: [4, 2, 0],
    5: [2, 0, 3],
    6: [0, 4, 2],
  });
  const rackOf = new Map(brokers.map((b) => [b.nodeId, b.rack]));
  for (const replicas of plan.values()) assert.equal(new Set(replicas.map((r) => rackOf.get(r))).size, 3);
});

test('placement from a random start stays balanced: every broker leads the same number of partitions', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const plan = assignReplicas(noRacks(3), 30, 3, { random });
  const leaders = new Map<number, number>();
  for (const replicas of plan.values()) {
    assert.equal(new Set(replicas).size, 3, 'no broker twice in a partition');
    leaders.set(replicas[0]!, (leaders.get(replicas[0]!) ?? 0) + 1);
  }
  assert.deepEqual([...leaders.values()], [10, 10, 10]);
  const added = assignReplicas(noRacks(3), 2, 3, { random, startPartition: 30 });
  assert.deepEqual([...added.keys()], [30, 31]);
});

test('impossible placements are refused with the error Kafka gives', () => {
  assert.throws(
    () => assignReplicas(noRacks(1), 3, 3),
    (e: unknown) =>
      e instanceof AssignmentError &&
      e.kind === 'replication-factor' &&
      e.message === 'Replication factor: 3 larger than available brokers: 1.',
  );
  assert.throws(
    () =>
      assignReplicas(
        [
          { nodeId: 0, rack: 'a' },
          { nodeId: 1, rack: null },
        ],
        1,
        2,
      ),
    /Not all brokers have rack information/,
  );
  assert.throws(() => assignReplicas(noRacks(3), 0, 1), /partitions must be larger than 0/);
});

test('offline election prefers live ISR members in assignment order; unclean only when enabled', () => {
  const live = new Set([2, 3]);
  assert.deepEqual(electOffline({ replicas: [1, 2, 3], isr: [1, 3], live }, false), {
    leader: 3,
    isr: [3],
    unclean: false,
  });
  assert.deepEqual(electOffline({ replicas: [1, 2, 3], isr: [1, 2, 3], live }, false), {
    leader: 2,
    isr: [2, 3],
    unclean: false,
  });
  const noIsrAlive = { replicas: [1, 2, 3], isr: [1], live };
  assert.equal(electOffline(noIsrAlive, false), undefined, 'the partition waits for an ISR member');
  assert.deepEqual(electOffline(noIsrAlive, true), { leader: 2, isr: [2], unclean: true });
  assert.equal(electOffline({ replicas: [1], isr: [1], live }, true), undefined);
});

test('preferred, controlled-shutdown and reassignment elections', () => {
  const live = new Set([1, 2, 3]);
  assert.deepEqual(electPreferred({ replicas: [1, 2, 3], isr: [2, 1], live }), {
    leader: 1,
    isr: [2, 1],
    unclean: false,
  });
  assert.equal(electPreferred({ replicas: [1, 2, 3], isr: [2, 3], live }), undefined, 'not in the ISR');
  assert.equal(electPreferred({ replicas: [1, 2], isr: [1, 2], live: new Set([2]) }), undefined, 'not alive');
  assert.deepEqual(electForShutdown({ replicas: [1, 2, 3], isr: [1, 2, 3], live }, new Set([1])), {
    leader: 2,
    isr: [2, 3],
    unclean: false,
  });
  assert.equal(electForShutdown({ replicas: [1, 2], isr: [1], live }, new Set([1])), undefined);
  assert.deepEqual(electForReassignment([3, 2], { replicas: [1, 2, 3], isr: [1, 2, 3], live }), {
    leader: 3,
    isr: [1, 2, 3],
    unclean: false,
  });
});
