/**
 * Kafka's ZooKeeper JSON, byte for byte where Kafka's format is fixed: what Gregor writes must be
 * what Kafka 2.x writes and reads, and what Kafka writes must decode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BrokerIdZNode,
  ClusterIdZNode,
  ConfigChangeZNode,
  ConfigZNode,
  ControllerEpochZNode,
  ControllerZNode,
  IsrChangeNotificationZNode,
  parseEndpoint,
  PartitionStateZNode,
  ProducerIdBlockZNode,
  ReassignPartitionsZNode,
  TopicZNode,
  ZkDataError,
  ZkPaths,
} from '../src/zk/zk-data.js';

const b = (s: string) => Buffer.from(s);

test('znodes written by Kafka 2.x decode', () => {
  assert.equal(ClusterIdZNode.decode(b('{"version":"1","id":"Ya_7O37KrUhZZ5M751Vsrg"}')), 'Ya_7O37KrUhZZ5M751Vsrg');
  assert.equal(ControllerZNode.decode(b('{"version":1,"brokerid":2,"timestamp":"1600000000000"}')), 2);
  assert.equal(ControllerEpochZNode.decode(b('17')), 17);
  const broker = BrokerIdZNode.decode(
    3,
    b(
      '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},"endpoints":["PLAINTEXT://10.0.0.3:9092","SSL://10.0.0.3:9093"],"rack":"eu-1a","jmx_port":-1,"host":"10.0.0.3","timestamp":"1600000000000","port":9092,"version":4}',
    ),
  );
  assert.deepEqual(broker, {
    id: 3,
    endpoints: ['PLAINTEXT://10.0.0.3:9092', 'SSL://10.0.0.3:9093'],
    securityProtocols: { PLAINTEXT: 'PLAINTEXT', SSL: 'SSL' },
    rack: 'eu-1a',
    timestampMs: 1600000000000,
  });
  // Version 1 of the topic znode (Kafka before 2.4) has only partitions.
  const old = TopicZNode.decode('t', b('{"version":1,"partitions":{"1":[2,3],"0":[1,2]}}'));
  assert.equal(old.topicId, null);
  assert.deepEqual([...old.partitions.entries()].sort(), [
    [0, [1, 2]],
    [1, [2, 3]],
  ]);
  assert.deepEqual(
    PartitionStateZNode.decode('t', 0, b('{"controller_epoch":5,"leader":1,"version":1,"leader_epoch":9,"isr":[1,3]}')),
    { leader: 1, leaderEpoch: 9, isr: [1, 3], controllerEpoch: 5 },
  );
  assert.deepEqual(ConfigZNode.decode('/config/topics/t', b('{"version":1,"config":{"retention.ms":"1000"}}')), {
    'retention.ms': '1000',
  });
  assert.deepEqual(ConfigChangeZNode.decode('/config/changes/x', b('{"version":2,"entity_path":"topics/orders"}')), {
    entityType: 'topics',
    name: 'orders',
  });
  assert.deepEqual(
    ReassignPartitionsZNode.decode(b('{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,1]}]}')),
    [{ topic: 't', partition: 0, replicas: [3, 1] }],
  );
  assert.deepEqual(ProducerIdBlockZNode.decode(b('{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}')), {
    brokerId: 1,
    start: 1000n,
    end: 1999n,
  });
});

test("what Gregor writes is Kafka's JSON, and reads back", () => {
  assert.equal(
    PartitionStateZNode.encode({ leader: 2, leaderEpoch: 4, isr: [2, 1], controllerEpoch: 3 }).toString(),
    '{"controller_epoch":3,"leader":2,"version":1,"leader_epoch":4,"isr":[2,1]}',
  );
  assert.equal(ControllerZNode.encode(1, 42).toString(), '{"version":1,"brokerid":1,"timestamp":"42"}');
  assert.equal(ClusterIdZNode.encode('abc').toString(), '{"version":"1","id":"abc"}');
  assert.equal(
    ConfigChangeZNode.encode('brokers', '<default>').toString(),
    '{"version":2,"entity_path":"brokers/<default>"}',
  );
  assert.equal(
    IsrChangeNotificationZNode.encode([{ topic: 't', partition: 1 }]).toString(),
    '{"version":1,"partitions":[{"topic":"t","partition":1}]}',
  );
  const topic = {
    topicId: 'Ya_7O37KrUhZZ5M751Vsrg',
    partitions: new Map([
      [1, [2, 3]],
      [0, [1, 2]],
    ]),
    addingReplicas: new Map<number, number[]>(),
    removingReplicas: new Map<number, number[]>(),
  };
  assert.equal(
    TopicZNode.encode(topic).toString(),
    '{"version":3,"topic_id":"Ya_7O37KrUhZZ5M751Vsrg","partitions":{"0":[1,2],"1":[2,3]},"adding_replicas":{},"removing_replicas":{}}',
  );
  assert.deepEqual(TopicZNode.decode('t', TopicZNode.encode(topic)), topic);
  const registration = {
    id: 1,
    endpoints: ['PLAINTEXT://127.0.0.1:9092'],
    securityProtocols: { PLAINTEXT: 'PLAINTEXT' },
    rack: null,
    timestampMs: 7,
  };
  const written = JSON.parse(BrokerIdZNode.encode(registration).toString()) as Record<string, unknown>;
  assert.equal(written.version, 5);
  assert.equal(written.host, '127.0.0.1');
  assert.equal(written.port, 9092);
  assert.deepEqual(BrokerIdZNode.decode(1, BrokerIdZNode.encode(registration)), registration);
});

test('bad znode data is a clear error naming the path, never a crash or a wrong value', () => {
  assert.throws(() => PartitionStateZNode.decode('t', 0, b('not json')), /partitions\/0\/state: not JSON/);
  assert.throws(
    () => PartitionStateZNode.decode('t', 0, b('{"leader":"x","leader_epoch":1,"isr":[1],"controller_epoch":1}')),
    (e: unknown) => e instanceof ZkDataError && /leader is not an integer/.test(e.message),
  );
  assert.throws(() => TopicZNode.decode('t', b('{"partitions":{"a":[1]}}')), /partition 'a'/);
  assert.throws(() => BrokerIdZNode.decode(1, b('{"endpoints":[]}')), /no endpoints/);
  assert.throws(() => ClusterIdZNode.decode(b('[]')), /not an object/);
});

test('paths and endpoints follow Kafka', () => {
  assert.equal(ZkPaths.partitionState('orders', 3), '/brokers/topics/orders/partitions/3/state');
  assert.equal(ZkPaths.config('topics', 'orders'), '/config/topics/orders');
  assert.deepEqual(parseEndpoint('PLAINTEXT://127.0.0.1:9092'), {
    listener: 'PLAINTEXT',
    host: '127.0.0.1',
    port: 9092,
  });
  assert.deepEqual(parseEndpoint('SSL://[::1]:9093'), { listener: 'SSL', host: '::1', port: 9093 });
  assert.throws(() => parseEndpoint('127.0.0.1:9092'), /not an endpoint/);
});
