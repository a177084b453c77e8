/** Checks the JSON a Python group script (test/interop/groups_*.py) prints. */
import assert from 'node:assert/strict';
import type { ChildResult } from '@gregor/testkit/interop';

export function checkGroupRun(result: ChildResult): void {
  assert.equal(
    result.code,
    0,
    `script failed (${result.code}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-4000)}`,
  );
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    before: Record<string, number[]>;
    after: number[];
    phase1: string[];
    afterLeave: string[];
  };
  const split = Object.values(out.before);
  assert.equal(split.length, 2);
  assert.deepEqual(split.flat().sort(), [0, 1, 2, 3, 4, 5], `assignments ${JSON.stringify(out.before)}`);
  assert.ok(split.every((ps) => ps.length === 3));
  assert.deepEqual(out.after, [0, 1, 2, 3, 4, 5]);
  assert.equal(out.phase1.length, 60);
  assert.deepEqual(
    out.afterLeave.filter((v) => !v.startsWith('phase2')),
    [],
    'records committed before the leave were read again',
  );
  assert.equal(new Set(out.afterLeave).size, 60);
}
