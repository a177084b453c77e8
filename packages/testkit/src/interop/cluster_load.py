"""An idempotent acks=all producer load for cluster fault tests (confluent-kafka / librdkafka).

Usage: cluster_load.py BOOTSTRAP TOPIC SECONDS RATE
Produces values "0", "1", ... (key = value) at about RATE records/s for SECONDS, then flushes.
Standard output, one line each: `ack VALUE PARTITION OFFSET` for every acknowledged record,
`err VALUE CODE` for every record whose delivery failed, and `done ACKED FAILED` at the end.
"""

import sys
import time

from confluent_kafka import Producer

bootstrap, topic, seconds, rate = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
producer = Producer({
    'bootstrap.servers': bootstrap,
    'enable.idempotence': True,
    'acks': 'all',
    'linger.ms': 5,
    'message.timeout.ms': 120000,
    'topic.metadata.refresh.interval.ms': 1000,
})
acked = 0
failed = 0


def on_delivery(err, msg):
    global acked, failed
    value = msg.value().decode()
    if err is None:
        acked += 1
        print(f'ack {value} {msg.partition()} {msg.offset()}')
    else:
        failed += 1
        print(f'err {value} {err.name()}')


start = time.time()
i = 0
while time.time() - start < seconds:
    target = int((time.time() - start) * rate)
    while i < target:
        value = str(i).encode()
        while True:
            try:
                producer.produce(topic, key=value, value=value, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        i += 1
    producer.poll(0.01)
remaining = producer.flush(120)
print(f'done {acked} {failed} {remaining}')
sys.stdout.flush()
