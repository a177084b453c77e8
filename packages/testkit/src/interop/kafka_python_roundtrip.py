"""kafka-python round trip: KafkaAdminClient creates the topics, KafkaProducer (acks=all) writes
every codec's records, KafkaConsumer reads each partition back with assign() and seek_to_beginning().
The broker version is left to kafka-python's own probe (ApiVersions): 2.0.2 infers it from the
API versions advertised and needs no api_version here. See common.py for arguments and output."""

import time

import kafka
from common import PARTITIONS, emit, emit_record, parse_args, record
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

CLIENT = 'kafka-python'


def main():
    bootstrap, prefix, runs, keys = parse_args()
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    emit('client', {'version': kafka.__version__, 'apiVersion': list(admin.config['api_version'])})
    topics = ['%s-%s' % (prefix, codec) for codec, _ in runs]
    response = admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics], timeout_ms=15000)
    failed = [e for e in response.topic_errors if e[1] != 0]
    if failed:
        raise SystemExit('create_topics failed: %r' % (failed,))
    admin.close()

    for (codec, count), topic in zip(runs, topics):
        produce(bootstrap, topic, codec, count, keys)
    for (codec, count), topic in zip(runs, topics):
        consume(bootstrap, topic, codec)


def produce(bootstrap, topic, codec, count, keys):
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks='all',
        compression_type=None if codec == 'none' else codec,
        linger_ms=5,
        batch_size=64 * 1024,
        retries=3,
        max_in_flight_requests_per_connection=1,
    )
    started = time.monotonic()
    futures = []
    for i in range(count):
        key, value, headers = record(i, keys, CLIENT)
        futures.append(producer.send(topic, key=key, value=value, headers=headers))
    producer.flush(60)
    errors = [repr(f.exception) for f in futures if f.failed()]
    delivered = [(f.value.partition, f.value.offset) for f in futures if f.succeeded()]
    elapsed = time.monotonic() - started
    producer.close(10)
    emit(
        'run',
        codec,
        topic,
        {
            'produced': count,
            'delivered': len(delivered),
            'distinctOffsets': len(set(delivered)),
            'undelivered': count - len(delivered),
            'errors': errors[:10],
            'seconds': round(elapsed, 3),
        },
    )


def consume(bootstrap, topic, codec):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset='none')
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    ends = consumer.end_offsets(partitions)
    consumed = 0
    started = time.monotonic()
    deadline = started + 60
    pending = {tp for tp in partitions if consumer.position(tp) < ends[tp]}
    while pending and time.monotonic() < deadline:
        for tp, messages in consumer.poll(timeout_ms=1000, max_records=5000).items():
            for m in messages:
                consumed += 1
                emit_record(topic, m.partition, m.offset, m.key, m.value, m.headers, m.timestamp, m.timestamp_type)
        pending = {tp for tp in pending if consumer.position(tp) < ends[tp]}
    consumer.close(autocommit=False)
    emit(
        'done',
        codec,
        {
            'consumed': consumed,
            'partitionsAtEnd': sorted(tp.partition for tp in partitions if tp not in pending),
            'endOffsets': {str(tp.partition): ends[tp] for tp in partitions},
            'errors': [],
            'seconds': round(time.monotonic() - started, 3),
        },
    )


if __name__ == '__main__':
    main()
