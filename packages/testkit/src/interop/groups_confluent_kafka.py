"""A confluent-kafka (librdkafka) consumer group against the broker.

Usage: groups_confluent_kafka.py BOOTSTRAP TOPIC GROUP STRATEGY
Creates TOPIC (6 partitions), produces 60 records, runs two consumers of GROUP with
partition.assignment.strategy=STRATEGY (range, roundrobin or cooperative-sticky) until they have
read them all and committed, closes one (LeaveGroup), produces 60 more, and reads them with the
other. Prints one JSON object: the assignments before and after, what was read in each phase.
"""

import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic, group, strategy = sys.argv[1:5]
PARTITIONS = 6

admin = AdminClient({'bootstrap.servers': bootstrap})
admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result()
producer = Producer({'bootstrap.servers': bootstrap})


def produce(prefix, n):
    for i in range(n):
        producer.produce(topic, value=f'{prefix}-{i}'.encode(), partition=i % PARTITIONS)
    producer.flush(30)


assigned = {}
read = {}


def consumer(name):
    assigned[name] = set()
    read[name] = []

    def on_assign(c, parts):
        assigned[name].update(tp.partition for tp in parts)

    def on_revoke(c, parts):
        for tp in parts:
            assigned[name].discard(tp.partition)

    c = Consumer({
        'bootstrap.servers': bootstrap,
        'group.id': group,
        'partition.assignment.strategy': strategy,
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': True,
        'auto.commit.interval.ms': 100,
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 200,
    })
    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    return c


def poll(consumers, until, timeout=60):
    deadline = time.time() + timeout
    while not until():
        if time.time() > deadline:
            raise SystemExit(json.dumps({'error': 'timeout', 'assigned': {k: sorted(v) for k, v in assigned.items()}}))
        for name, c in consumers.items():
            m = c.poll(0.05)
            if m is not None and m.error() is None:
                read[name].append(m.value().decode())


produce('phase1', 60)
consumers = {'a': consumer('a'), 'b': consumer('b')}
poll(consumers, lambda: len(set(read['a'] + read['b'])) >= 60 and len(assigned['a']) == 3 and len(assigned['b']) == 3)
before = {k: sorted(v) for k, v in assigned.items()}
for c in consumers.values():
    try:
        c.commit(asynchronous=False)
    except KafkaException:
        pass  # nothing new to commit
phase1_a = len(read['a'])
consumers['b'].close()
poll({'a': consumers['a']}, lambda: len(assigned['a']) == PARTITIONS)
produce('phase2', 60)
poll({'a': consumers['a']}, lambda: len([v for v in read['a'][phase1_a:] if v.startswith('phase2')]) >= 60)
time.sleep(0.5)
poll({'a': consumers['a']}, lambda: True)
after_leave = read['a'][phase1_a:]
after = sorted(assigned['a'])
consumers['a'].close()
print(json.dumps({
    'before': before,
    'after': after,
    'phase1': sorted(set(read['a'][:phase1_a] + read['b'])),
    'afterLeave': after_leave,
}))
