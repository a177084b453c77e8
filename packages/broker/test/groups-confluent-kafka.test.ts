/**
 * confluent-kafka (librdkafka) consumer groups against the broker, eager (range) and cooperative
 * (cooperative-sticky): two consumers split a 6-partition topic, one leaves, the other takes every
 * partition and reads only what was produced after the commit. Skipped without confluent_kafka.
 */
import { after, before, test } from 'node:test';
import type { TestBroker } from '../src/testing/index.js';
import { findPython, run, scriptPath } from '@gregor/testkit/interop';
import { checkGroupRun } from './support/python-groups.js';
import { startGroupBroker } from './support/groups.js';

const { python, skip } = findPython('confluent_kafka');
let tb: TestBroker;
before(async () => {
  if (!skip) tb = await startGroupBroker();
});
after(() => tb?.stop());

for (const strategy of ['range', 'cooperative-sticky']) {
  test(`confluent-kafka group, ${strategy}: share, leave, take over`, { skip, timeout: 120_000 }, async () => {
    const result = await run(
      python!,
      [scriptPath('groups_confluent_kafka.py'), tb.bootstrap, `ck-group-${strategy}`, `ck-${strategy}`, strategy],
      { timeoutMs: 100_000 },
    );
    checkGroupRun(result);
  });
}
