import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_LOG_CONFIG,
  InvalidConfigError,
  LOG_CONFIG_KEYS,
  NEVER,
  logConfigToProperties,
  parseLogConfig,
} from '../src/index.js';

describe('log config', () => {
  it("has Kafka's defaults", () => {
    assert.equal(DEFAULT_LOG_CONFIG.segmentBytes, 1_073_741_824);
    assert.equal(DEFAULT_LOG_CONFIG.segmentMs, 604_800_000);
    assert.equal(DEFAULT_LOG_CONFIG.segmentIndexBytes, 10_485_760);
    assert.equal(DEFAULT_LOG_CONFIG.indexIntervalBytes, 4_096);
    assert.equal(DEFAULT_LOG_CONFIG.retentionMs, 604_800_000);
    assert.equal(DEFAULT_LOG_CONFIG.retentionBytes, -1);
    assert.deepEqual(DEFAULT_LOG_CONFIG.cleanupPolicy, { delete: true, compact: false });
    assert.equal(DEFAULT_LOG_CONFIG.deleteRetentionMs, 86_400_000);
    assert.equal(DEFAULT_LOG_CONFIG.maxMessageBytes, 1_048_588);
    assert.equal(DEFAULT_LOG_CONFIG.messageTimestampType, 'CreateTime');
    assert.equal(DEFAULT_LOG_CONFIG.flushMessages, NEVER);
  });

  it('parses Kafka-named string properties', () => {
    const config = parseLogConfig({
      'segment.bytes': '1048576',
      'retention.ms': '-1',
      'retention.bytes': '5000000000',
      'cleanup.policy': 'compact, delete',
      'message.timestamp.type': 'LogAppendTime',
      'flush.messages': '1',
      'flush.ms': '9223372036854775807',
      'min.insync.replicas': '2', // not storage's: ignored
    });
    assert.equal(config.segmentBytes, 1_048_576);
    assert.equal(config.retentionMs, -1);
    assert.equal(config.retentionBytes, 5_000_000_000);
    assert.deepEqual(config.cleanupPolicy, { delete: true, compact: true });
    assert.equal(config.messageTimestampType, 'LogAppendTime');
    assert.equal(config.flushMessages, 1);
    assert.equal(config.flushMs, NEVER);
    assert.equal(config.segmentMs, DEFAULT_LOG_CONFIG.segmentMs);
  });

  it('layers on a base config and round-trips through properties', () => {
    const base = parseLogConfig({ 'cleanup.policy': 'compact' });
    const config = parseLogConfig({ 'segment.ms': '1000' }, base);
    assert.deepEqual(config.cleanupPolicy, { delete: false, compact: true });
    const props = logConfigToProperties(config);
    assert.equal(props['cleanup.policy'], 'compact');
    assert.equal(props['flush.messages'], '9223372036854775807');
    assert.deepEqual(Object.keys(props).sort(), [...LOG_CONFIG_KEYS].sort());
    assert.deepEqual(parseLogConfig(props), config);
  });

  it('rejects bad values with INVALID_CONFIG naming the key', () => {
    const cases: [string, string, RegExp][] = [
      ['segment.bytes', 'abc', /not an integer/],
      ['segment.bytes', '1.5', /not an integer/],
      ['segment.bytes', '10', /below the minimum 14/],
      ['segment.bytes', '3000000000', /out of range for a 32-bit/],
      ['retention.ms', '-2', /below the minimum -1/],
      ['retention.bytes', '99999999999999999999', /out of range/],
      ['flush.messages', '0', /below the minimum 1/],
      ['segment.ms', '', /not an integer/],
      ['cleanup.policy', 'compact,erase', /unknown policy 'erase'/],
      ['cleanup.policy', ' , ', /names no policy/],
      ['message.timestamp.type', 'NowTime', /CreateTime or LogAppendTime/],
    ];
    for (const [key, value, message] of cases) {
      assert.throws(
        () => parseLogConfig({ [key]: value }),
        (err: unknown) => {
          assert.ok(err instanceof InvalidConfigError, `${key}=${value}`);
          assert.equal(err.key, key);
          assert.equal(err.kafkaErrorCode, 40);
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });
});
