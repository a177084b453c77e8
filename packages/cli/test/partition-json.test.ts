/** The replica tools' pure parts: the plan `reassign --generate` proposes, and its JSON read back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignReplicas, parseReassignmentJson, reassignmentJson } from '../src/commands/partition-json.js';

/** A seeded generator, so a failure is reproducible (the seed is in the message). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const count = (ids: readonly number[]) => {
  const out = new Map<number, number>();
  for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
};

test('assignReplicas spreads leaders and followers evenly over the brokers, distinct per partition', () => {
  const cases: [number[], number, number][] = [
    [[1, 2, 3], 6, 3],
    [[5, 1, 3, 2, 4], 10, 3],
    [[10, 20], 8, 2],
    [[7], 4, 1],
  ];
  for (const [brokers, partitions, rf] of cases) {
    for (let seed = 1; seed <= 20; seed++) {
      const plan = assignReplicas(brokers, partitions, rf, seeded(seed));
      const where = `brokers ${brokers.join(',')}, ${partitions}x${rf}, seed ${seed}`;
      assert.equal(plan.length, partitions, where);
      for (const replicas of plan) {
        assert.equal(replicas.length, rf, where);
        assert.equal(new Set(replicas).size, rf, `${where}: ${replicas.join(',')}`);
        assert.ok(
          replicas.every((id) => brokers.includes(id)),
          where,
        );
      }
      // Partition counts here are multiples of the broker count: every broker leads as many
      // partitions, and holds as many replicas, as any other.
      const leaders = count(plan.map((r) => r[0]!));
      assert.deepEqual(new Set(leaders.values()), new Set([partitions / brokers.length]), where);
      const all = count(plan.flat());
      assert.deepEqual(new Set(all.values()), new Set([(partitions * rf) / brokers.length]), where);
    }
  }
});

test('a generated plan reads back as a reassignment plan', () => {
  const plan = assignReplicas([1, 2, 3], 3, 2, seeded(7)).map((replicas, partition) => ({
    topic: 'orders',
    partition,
    replicas,
  }));
  assert.deepEqual(parseReassignmentJson(JSON.parse(reassignmentJson(plan)), 'plan.json'), plan);
});
