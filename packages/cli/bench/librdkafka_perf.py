"""Load generator on librdkafka (python3 confluent-kafka) for `npm run bench`.

usage: librdkafka_perf.py produce BOOTSTRAP TOPIC COUNT SIZE ACKS
       librdkafka_perf.py consume BOOTSTRAP TOPIC COUNT

Prints one JSON object: {"records", "bytes", "seconds"} (and "cpu" seconds of this process).
Producing uses large batches (linger.ms 5, batch.size 1 MiB) and no compression; consuming
assigns every partition from the beginning (no group join).
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING


def produce(bootstrap, topic, count, size, acks):
    producer = Producer({
        'bootstrap.servers': bootstrap,
        'acks': acks,
        'linger.ms': 5,
        'batch.size': 1048576,
        'batch.num.messages': 10000,
        'queue.buffering.max.messages': 1000000,
        'queue.buffering.max.kbytes': 1048576,
        'compression.type': 'none',
        'enable.idempotence': acks == 'all',
    })
    value = b'x' * size
    failed = []

    def on_delivery(err, _msg):
        if err is not None:
            failed.append(err)

    start = time.perf_counter()
    for _ in range(count):
        while True:
            try:
                producer.produce(topic, value, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.01)
        producer.poll(0)
    left = producer.flush(60)
    seconds = time.perf_counter() - start
    if left or failed:
        raise SystemExit(f'{left} records not delivered; errors: {failed[:3]}')
    return {'records': count, 'bytes': count * size, 'seconds': seconds}


def consume(bootstrap, topic, count):
    consumer = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': 'librdkafka-bench',
        'enable.auto.commit': False,
        'fetch.max.bytes': 67108864,
        'max.partition.fetch.bytes': 8388608,
        'fetch.wait.max.ms': 100,
        'queued.max.messages.kbytes': 1048576,
    })
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = metadata.topics[topic].partitions
    start = time.perf_counter()
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    records = 0
    size = 0
    deadline = time.monotonic() + 60
    while records < count and time.monotonic() < deadline:
        for msg in consumer.consume(num_messages=10000, timeout=1.0):
            if msg.error() is None:
                records += 1
                size += len(msg.value() or b'')
    seconds = time.perf_counter() - start
    consumer.close()
    if records < count:
        raise SystemExit(f'consumed {records} of {count}')
    return {'records': records, 'bytes': size, 'seconds': seconds}


def main():
    mode = sys.argv[1]
    if mode == 'produce':
        _, _, bootstrap, topic, count, size, acks = sys.argv
        result = produce(bootstrap, topic, int(count), int(size), acks)
    elif mode == 'consume':
        _, _, bootstrap, topic, count = sys.argv
        result = consume(bootstrap, topic, int(count))
    else:
        raise SystemExit(__doc__)
    times = os.times()
    result['cpu'] = times.user + times.system
    print(json.dumps(result))


if __name__ == '__main__':
    main()
