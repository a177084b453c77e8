"""Shared by the interop scripts: the plan they are given, the records they produce, the lines they print.

A script is run as `SCRIPT BOOTSTRAP TOPIC_PREFIX PLAN KEYS`, PLAN being `codec:count,...`. For each
codec it creates topic PREFIX-CODEC with 3 partitions, produces `count` records with that
compression, then reads every partition back from offset 0 by manual assignment. Record i has key
`key-(i % KEYS)`, value `i|key|seq|padding` (seq counts the key's records) and headers idx=i and
client=NAME. Standard output is one JSON array per line:
  ["run", codec, topic, {stats}]              once per codec, after producing
  ["rec", topic, partition, offset, key, value, [[hname, hvalue], ...], timestamp, timestampType]
  ["done", codec, {stats}]                    after consuming
Values and header values are decoded as UTF-8 (None stays null). The test checks all of it.
"""

import json
import sys

PARTITIONS = 3
PADDING = 'abcdefghijklmnopqrstuvwxyz0123456789' * 2


def parse_args():
    if len(sys.argv) != 5:
        sys.exit('usage: SCRIPT BOOTSTRAP TOPIC_PREFIX PLAN KEYS')
    bootstrap, prefix, plan, keys = sys.argv[1:]
    runs = []
    for part in plan.split(','):
        codec, count = part.split(':')
        runs.append((codec, int(count)))
    return bootstrap, prefix, runs, int(keys)


def record(i, keys, client):
    """Key, value and headers of record i, all bytes / (str, bytes) pairs."""
    k = i % keys
    key = 'key-%d' % k
    value = '%d|%s|%d|%s' % (i, key, i // keys, PADDING[: 10 + i % 60])
    headers = [('idx', str(i).encode()), ('client', client.encode())]
    return key.encode(), value.encode(), headers


def _text(b):
    return None if b is None else b.decode('utf-8')


def emit_record(topic, partition, offset, key, value, headers, timestamp, timestamp_type):
    print(
        json.dumps(
            [
                'rec',
                topic,
                partition,
                offset,
                _text(key),
                _text(value),
                [[h, _text(v)] for h, v in (headers or [])],
                timestamp,
                timestamp_type,
            ],
            separators=(',', ':'),
        )
    )


def emit(kind, *fields):
    print(json.dumps([kind, *fields], separators=(',', ':')), flush=True)
