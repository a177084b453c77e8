"""confluent-kafka (librdkafka) round trip: AdminClient creates the topics, an idempotent producer
(acks=all) writes every codec's records, a consumer reads each partition back by manual assignment.
See common.py for the arguments and the output."""

import time

from common import PARTITIONS, emit, emit_record, parse_args, record
from confluent_kafka import KafkaError, Consumer, Producer, TopicPartition, libversion, version
from confluent_kafka.admin import AdminClient, NewTopic

CLIENT = 'confluent-kafka'


def main():
    bootstrap, prefix, runs, keys = parse_args()
    emit('client', {'version': version()[0], 'librdkafka': libversion()[0]})
    admin = AdminClient({'bootstrap.servers': bootstrap})
    topics = ['%s-%s' % (prefix, codec) for codec, _ in runs]
    futures = admin.create_topics(
        [NewTopic(t, num_partitions=PARTITIONS, replication_factor=1) for t in topics], request_timeout=15
    )
    for f in futures.values():
        f.result(timeout=20)

    for (codec, count), topic in zip(runs, topics):
        produce(bootstrap, topic, codec, count, keys)
    for (codec, count), topic in zip(runs, topics):
        consume(bootstrap, topic, codec)


def produce(bootstrap, topic, codec, count, keys):
    producer = Producer(
        {
            'bootstrap.servers': bootstrap,
            'enable.idempotence': True,
            'acks': 'all',
            'compression.type': codec,
            'linger.ms': 5,
            'batch.num.messages': 1000,
        }
    )
    delivered = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            delivered.append((msg.partition(), msg.offset()))

    started = time.monotonic()
    for i in range(count):
        key, value, headers = record(i, keys, CLIENT)
        while True:
            try:
                producer.produce(topic, key=key, value=value, headers=headers, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    left = producer.flush(60)
    elapsed = time.monotonic() - started
    emit(
        'run',
        codec,
        topic,
        {
            'produced': count,
            'delivered': len(delivered),
            'distinctOffsets': len(set(delivered)),
            'undelivered': left,
            'errors': errors[:10],
            'seconds': round(elapsed, 3),
        },
    )


def consume(bootstrap, topic, codec):
    # confluent-kafka 1.7 insists on a group.id even though assign() never uses the group: no
    # commits, no subscribe, so librdkafka never looks for a coordinator.
    consumer = Consumer(
        {
            'bootstrap.servers': bootstrap,
            'group.id': 'interop-unused',
            'enable.auto.commit': False,
            'enable.auto.offset.store': False,
            'enable.partition.eof': True,
            'auto.offset.reset': 'error',
        }
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    at_end = set()
    errors = []
    consumed = 0
    started = time.monotonic()
    deadline = started + 60
    while len(at_end) < PARTITIONS and time.monotonic() < deadline:
        for m in consumer.consume(num_messages=1000, timeout=1.0):
            err = m.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    at_end.add(m.partition())
                else:
                    errors.append(str(err))
                continue
            consumed += 1
            ts_type, ts = m.timestamp()
            emit_record(topic, m.partition(), m.offset(), m.key(), m.value(), m.headers(), ts, ts_type)
    consumer.close()
    emit(
        'done',
        codec,
        {
            'consumed': consumed,
            'partitionsAtEnd': sorted(at_end),
            'errors': errors[:10],
            'seconds': round(time.monotonic() - started, 3),
        },
    )


if __name__ == '__main__':
    main()
