"""A kafka-python consumer group against the broker.

Usage: groups_kafka_python.py BOOTSTRAP TOPIC GROUP
Creates TOPIC (6 partitions), produces 60 records, runs two consumers of GROUP until they have
read them all and committed, closes one (LeaveGroup), produces 60 more and reads them with the
other. Prints one JSON object: assignments before and after, what was read in each phase.
"""

import json
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, topic, group = sys.argv[1:4]
PARTITIONS = 6

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
admin.close()
producer = KafkaProducer(bootstrap_servers=bootstrap)


def produce(prefix, n):
    for i in range(n):
        producer.send(topic, value=f'{prefix}-{i}'.encode(), partition=i % PARTITIONS)
    producer.flush(30)


class Member(threading.Thread):
    """One consumer polling in its own thread: kafka-python's poll blocks while its group rejoins."""

    def __init__(self, name):
        super().__init__(daemon=True)
        self.name_ = name
        self.read = []
        self.assigned = []
        self.stop = threading.Event()
        self.closed = threading.Event()

    def run(self):
        c = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            auto_offset_reset='earliest',
            enable_auto_commit=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=200,
            fetch_max_wait_ms=100,
        )
        c.subscribe([topic])
        while not self.stop.is_set():
            for records in c.poll(timeout_ms=50).values():
                self.read.extend(r.value.decode() for r in records)
            c.commit()
            self.assigned = sorted(tp.partition for tp in c.assignment())
        c.close()
        self.closed.set()


def wait(until, timeout=60):
    deadline = time.time() + timeout
    while not until():
        if time.time() > deadline:
            raise SystemExit(json.dumps({'error': 'timeout', 'assigned': {m.name_: m.assigned for m in members}}))
        time.sleep(0.05)


produce('phase1', 60)
a, b = Member('a'), Member('b')
members = [a, b]
a.start()
b.start()
wait(lambda: len(set(a.read + b.read)) >= 60 and len(a.assigned) == 3 and len(b.assigned) == 3)
before = {'a': a.assigned, 'b': b.assigned}
phase1_a = len(a.read)
b.stop.set()
b.closed.wait(30)
wait(lambda: len(a.assigned) == PARTITIONS)
produce('phase2', 60)
wait(lambda: len([v for v in a.read[phase1_a:] if v.startswith('phase2')]) >= 60)
a.stop.set()
a.closed.wait(30)
print(json.dumps({
    'before': before,
    'after': a.assigned,
    'phase1': sorted(set(a.read[:phase1_a] + b.read)),
    'afterLeave': a.read[phase1_a:],
}))
