/**
 * A kafka-python consumer group against the broker: two consumers split a 6-partition topic,
 * one leaves, the other takes every partition and reads only what was produced after the
 * commit. Skipped without kafka-python.
 */
import { after, before, test } from 'node:test';
import type { TestBroker } from '../src/testing/index.js';
import { findPython, run, scriptPath } from '@gregor/testkit/interop';
import { checkGroupRun } from './support/python-groups.js';
import { startGroupBroker } from './support/groups.js';

const { python, skip } = findPython('kafka');
let tb: TestBroker;
before(async () => {
  if (!skip) tb = await startGroupBroker();
});
after(() => tb?.stop());

test('kafka-python group: share, leave, take over', { skip, timeout: 120_000 }, async () => {
  const result = await run(python!, [scriptPath('groups_kafka_python.py'), tb.bootstrap, 'kp-group', 'kp-group'], {
    timeoutMs: 100_000,
  });
  checkGroupRun(result);
});
