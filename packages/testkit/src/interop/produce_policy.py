"""confluent-kafka against a topic's produce policy (compression.type, timestamps).

Usage: produce_policy.py BOOTSTRAP TOPIC CODEC TIMESTAMPS
TIMESTAMPS is a JSON list, one entry per record: a CreateTime in ms, or null for "now". Records
go to partition 0 from an idempotent producer compressing with CODEC, key k<i>, value v<i>. The
script then reads partition 0 from the start and prints one JSON object:
  {"delivered": [[i, offset or null, error name or null], ...],
   "consumed": [[offset, timestamp, timestamp type, key, value], ...]}
"""

import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, codec, timestamps = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])

producer = Producer(
    {
        'bootstrap.servers': bootstrap,
        'compression.type': codec,
        'enable.idempotence': True,
        'linger.ms': 50,
        'message.timeout.ms': 15000,
    }
)
delivered = []


def report(i):
    def on_delivery(err, msg):
        delivered.append([i, None if err else msg.offset(), err.name() if err else None])

    return on_delivery


for i, ts in enumerate(timestamps):
    kwargs = {'partition': 0, 'key': 'k%d' % i, 'value': 'v%d' % i, 'on_delivery': report(i)}
    if ts is not None:
        kwargs['timestamp'] = ts
    producer.produce(topic, **kwargs)
producer.flush(30)

wanted = sum(1 for d in delivered if d[1] is not None)
consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'produce-policy', 'enable.auto.commit': False})
consumer.assign([TopicPartition(topic, 0, 0)])
consumed = []
deadline = time.time() + 20
while len(consumed) < wanted and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error():
        continue
    ts_type, ts = msg.timestamp()
    consumed.append([msg.offset(), ts, ts_type, msg.key().decode(), msg.value().decode()])
consumer.close()
print(json.dumps({'delivered': sorted(delivered), 'consumed': consumed}))
