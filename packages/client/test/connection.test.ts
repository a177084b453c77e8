/** The connection layer: version negotiation, pipelining, timeouts, typed network errors. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { ApiKey, Apis } from '@gregor/protocol';
import { startTestBroker, type TestBroker } from '@gregor/broker/testing';
import { BrokerConnection, CLIENT_VERSIONS, ConnectionError, KafkaError, RequestTimeoutError } from '../src/index.js';

let tb: TestBroker;
before(async () => {
  tb = await startTestBroker();
});
after(() => tb.stop());

const connection = (port: number, overrides: Partial<ConstructorParameters<typeof BrokerConnection>[0]> = {}) =>
  new BrokerConnection({
    host: '127.0.0.1',
    port,
    clientId: 'test',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    maxInFlightRequests: 5,
    ...overrides,
  });

test("the client's version ranges lie within the specs", () => {
  for (const [key, range] of Object.entries(CLIENT_VERSIONS)) {
    const api = Apis[Number(key) as keyof typeof Apis];
    assert.ok(range.min >= api.minVersion && range.max <= api.maxVersion, `${api.name} ${range.min}-${range.max}`);
  }
});

test('negotiates the highest version both sides support', async () => {
  const conn = connection(tb.port);
  await conn.connect();
  // The broker offers Produce 3-11 and Fetch 4-17, ListOffsets 1-9.
  assert.equal(conn.versionOf(ApiKey.Produce), 11);
  assert.equal(conn.versionOf(ApiKey.Fetch), 17);
  assert.equal(
    conn.versionOf(ApiKey.ListOffsets),
    Math.min(CLIENT_VERSIONS[ApiKey.ListOffsets]!.max, conn.brokerRange(ApiKey.ListOffsets)!.max),
  );
  assert.equal(conn.versionOf(ApiKey.SaslHandshake), undefined);
  conn.close();
});

test('pipelines many requests over one connection, at most maxInFlightRequests at a time', async () => {
  const conn = connection(tb.port, { maxInFlightRequests: 3 });
  await conn.connect();
  let peak = 0;
  const requests = Array.from({ length: 50 }, () => {
    const p = conn.send(ApiKey.Metadata, { topics: [] });
    peak = Math.max(peak, conn.inFlightCount);
    return p;
  });
  const responses = await Promise.all(requests);
  assert.equal(responses.length, 50);
  assert.ok(responses.every((r) => r.brokers.length === 1));
  assert.ok(peak <= 3, `peak ${peak}`);
  conn.close();
});

test('a broker that does not answer: RequestTimeoutError, and the connection closes', async () => {
  const silent = createServer((socket) => socket.resume()); // reads, never answers
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  const conn = connection(port, { requestTimeoutMs: 200 });
  await assert.rejects(conn.connect(), (e: unknown) => {
    assert.ok(e instanceof RequestTimeoutError);
    assert.equal(e.name, 'REQUEST_TIMED_OUT');
    assert.equal(e.retriable, true);
    return true;
  });
  assert.ok(conn.isClosed);
  await new Promise((r) => silent.close(r));
});

test('nobody listening: a retriable ConnectionError', async () => {
  const conn = connection(1);
  await assert.rejects(conn.connect(), (e: unknown) => {
    assert.ok(e instanceof ConnectionError);
    assert.ok(e instanceof KafkaError);
    assert.equal(e.name, 'NETWORK_EXCEPTION');
    assert.equal(e.retriable, true);
    return true;
  });
});

test('closing fails pending requests with a ConnectionError', async () => {
  const conn = connection(tb.port);
  await conn.connect();
  const pending = conn.send(ApiKey.Fetch, {
    maxWaitMs: 5_000,
    minBytes: 1_000_000,
    topics: [],
  });
  conn.close();
  await assert.rejects(pending, ConnectionError);
});
