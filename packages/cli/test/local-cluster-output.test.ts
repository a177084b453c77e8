/**
 * What `gregor local-cluster` prints for its processes' lines: a broker's JSON log line as one
 * readable line, and ZooKeeper's routine warnings left out while the rest is shown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderLogLine } from '../src/local-cluster/log-line.js';
import { zookeeperLineFilter } from '../src/local-cluster/zookeeper-lines.js';

test('a JSON log line becomes time, level, message and fields; other lines pass unchanged', () => {
  const time = new Date(2025, 0, 2, 10, 0, 0, 123).getTime();
  const line = JSON.stringify({
    level: 40,
    time,
    pid: 1,
    hostname: 'h',
    broker: 3,
    topic: 'orders partition',
    err: { message: 'connection closed', stack: 'Error: …' },
    msg: 'controller request failed',
  });
  const r = renderLogLine(line);
  assert.equal(
    r.text,
    '10:00:00.123 WARN  controller request failed broker=3 topic="orders partition" error="connection closed"',
  );
  assert.equal(r.level, 40);
  assert.equal(r.msg, 'controller request failed');

  const long = renderLogLine(
    JSON.stringify({ level: 30, time, msg: 'm', ids: Array.from({ length: 100 }, (_, i) => i) }),
  );
  assert.ok(long.text.endsWith('…'), 'a long value is cut short');
  assert.ok(long.text.length < 160);

  for (const raw of ['gregor: cannot start: port in use', '{"not":"a log entry"}', '[1,2]', '']) {
    assert.deepEqual(renderLogLine(raw), { text: raw, level: undefined, msg: undefined, entry: undefined });
  }
});

test('ZooKeeper: routine warnings and a client-closed-socket trace are dropped, other warnings kept whole', () => {
  const shown: string[] = [];
  const feed = zookeeperLineFilter((l) => shown.push(l));
  const lines = [
    '[main] WARN org.apache.zookeeper.server.ServerCnxnFactory - maxCnxns is not configured, using default value 0.',
    '[NIOWorkerThread-1] WARN org.apache.zookeeper.server.ZooKeeperServer - Connection request from old client /127.0.0.1:1; will be dropped if server is in r-o mode',
    '[NIOWorkerThread-2] WARN org.apache.zookeeper.server.NIOServerCnxn - Unexpected exception',
    'EndOfStreamException: Unable to read additional data from client, it probably closed the socket: address = /127.0.0.1:2, session = 0x1',
    '\tat org.apache.zookeeper.server.NIOServerCnxn.handleFailedRead(NIOServerCnxn.java:173)',
    '\tat java.base/java.lang.Thread.run(Thread.java:840)',
    '[NIOWorkerThread-3] WARN org.apache.zookeeper.server.NIOServerCnxn - Unexpected exception',
    'java.io.IOException: Len error 1234567',
    '\tat org.apache.zookeeper.server.NIOServerCnxn.readLength(NIOServerCnxn.java:540)',
    '[SyncThread:0] WARN org.apache.zookeeper.server.persistence.FileTxnLog - fsync-ing the write ahead log took 1500ms',
  ];
  for (const l of lines) feed(l);
  assert.deepEqual(shown, lines.slice(6));
});
