/**
 * Until the broker has a transaction coordinator, transactional producers fail at once with a
 * non-retriable error instead of waiting out their timeouts: FindCoordinator for a transactional
 * id and InitProducerId with one answer TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the former with a
 * message saying transactions are not supported. Checked with confluent-kafka (librdkafka prints
 * the message), kcat, kafkajs (which reports only that it found no coordinator) and raw requests.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiKey, ErrorCode } from '@gregor/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { startTestBroker, type TestBroker } from '../src/testing/index.js';
import { findPython, run, toolMissing } from '@gregor/testkit/interop';
import { RawClient } from './support/raw-client.js';

const FAST_MS = 3000;

let tb: TestBroker;
let raw: RawClient;

before(async () => {
  tb = await startTestBroker();
  raw = await RawClient.connect(tb.port);
});
after(async () => {
  await raw.close();
  await tb.stop();
});

test('raw: FindCoordinator (v1-v4) and InitProducerId refuse transactional ids, non-retriably', async () => {
  for (const version of [1, 2, 3]) {
    const res = await raw.request(ApiKey.FindCoordinator, version, { key: 'tx', keyType: 1 });
    assert.equal(res.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    assert.match(res.errorMessage ?? '', /does not support transactions/);
  }
  const batched = await raw.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['a', 'b'] });
  assert.deepEqual(
    batched.coordinators.map((c) => [c.key, c.errorCode]),
    [
      ['a', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED],
      ['b', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED],
    ],
  );
  const init = await raw.request(ApiKey.InitProducerId, 4, {
    transactionalId: 'tx',
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  });
  assert.equal(init.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const idempotent = await raw.request(ApiKey.InitProducerId, 4, {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1n,
    producerEpoch: -1,
  });
  assert.equal(idempotent.errorCode, ErrorCode.NONE, 'idempotent producers still get an id');
});

const { python, skip: noConfluent } = findPython('confluent_kafka');

const INIT_TRANSACTIONS = `
import json, sys, time
from confluent_kafka import Producer, KafkaException
p = Producer({'bootstrap.servers': sys.argv[1], 'transactional.id': 'tx-confluent', 'log_level': 0})
start = time.time()
try:
    p.init_transactions(15)
    print(json.dumps({'ok': True}))
except KafkaException as e:
    err = e.args[0]
    print(json.dumps({'seconds': time.time() - start, 'name': err.name(), 'fatal': err.fatal(),
                      'retriable': err.retriable(), 'message': err.str()}))
`;

test('confluent-kafka: init_transactions() fails fast, fatally, and says why', { skip: noConfluent }, async () => {
  const result = await run(python!, ['-c', INIT_TRANSACTIONS, tb.bootstrap], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr.slice(-2000));
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as {
    seconds: number;
    name: string;
    fatal: boolean;
    retriable: boolean;
    message: string;
  };
  assert.ok(out.seconds * 1000 < FAST_MS, `failed after ${out.seconds.toFixed(2)} s`);
  assert.equal(out.name, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  assert.equal(out.fatal, true);
  assert.equal(out.retriable, false);
  assert.match(out.message, /does not support transactions.*unset transactional\.id/);
});

const noKcat = toolMissing('kcat', ['-V']);

test('kcat: a transactional producer exits at once naming the cause', { skip: noKcat }, async () => {
  const started = Date.now();
  const result = await run('kcat', ['-P', '-b', tb.bootstrap, '-t', 'kcat-tx', '-X', 'transactional.id=tx-kcat'], {
    input: 'one\n',
    timeoutMs: 30_000,
  });
  assert.ok(Date.now() - started < FAST_MS + 2000, `kcat took ${Date.now() - started} ms`);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /does not support transactions/);
});

test('kafkajs: producer.transaction() fails fast and non-retriably', async () => {
  const kafka = new Kafka({ brokers: [tb.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: 'tx-kafkajs', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = Date.now();
  try {
    // kafkajs turns any FindCoordinator error into its own "no coordinator" error, without the broker's message.
    await assert.rejects(producer.transaction(), (err: Error & { retriable?: boolean }) => {
      assert.equal(err.name, 'KafkaJSGroupCoordinatorNotFound');
      assert.equal(err.retriable, false);
      return true;
    });
    assert.ok(Date.now() - started < FAST_MS, `failed after ${Date.now() - started} ms`);
  } finally {
    await producer.disconnect();
  }
});
