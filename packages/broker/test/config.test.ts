/** Broker configuration: Kafka's names, aliases, layered sources, and a readable message per mistake. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerCommand } from '@gregor/broker/testing';
import {
  buildBrokerConfig,
  ConfigError,
  parseProperties,
  propertiesFromEnv,
  resolveBrokerConfig,
} from '../src/config/broker-config.js';
import { configNameToEnvVar, envVarToConfigName, legacyEnvHints } from '../src/config/sources.js';
import { isBrokerSetting } from '../src/config/broker-config.js';

test('defaults are Kafka’s', () => {
  const c = buildBrokerConfig();
  assert.equal(c.int('message.max.bytes'), 1048588);
  assert.equal(c.int('num.partitions'), 1);
  assert.deepStrictEqual(c.listeners, [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092 }]);
  assert.equal(c.logDir, './data');
  assert.equal(c.bool('auto.create.topics.enable'), true);
  assert.equal(c.topicDefaults()['retention.ms'], String(7 * 24 * 3600 * 1000));
});

test('later layers win; aliases convert units', () => {
  const c = buildBrokerConfig(
    { 'broker.id': '3', 'log.retention.hours': '2', 'num.partitions': '4' },
    { 'num.partitions': '6', 'log.dir': '/tmp/x' },
  );
  assert.equal(c.nodeId, 3);
  assert.equal(c.int('log.retention.ms'), 2 * 3600 * 1000);
  assert.equal(c.int('num.partitions'), 6);
  assert.equal(c.logDir, '/tmp/x');
});

test('every mistake is reported, one per line, naming where it came from', () => {
  assert.throws(
    () =>
      resolveBrokerConfig(
        [
          {
            source: 'server.properties',
            values: {
              'num.partitions': 'many',
              'no.such.setting': '1',
              listeners: 'localhost:9092',
              'auto.create.topics.enable': 'yes',
              'message.max.bytes': '-5',
            },
          },
        ],
        { strict: true },
      ),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const part of [
        "num.partitions: 'many' is not an integer (from server.properties)",
        "unknown config 'no.such.setting' (from server.properties)",
        "listener 'localhost:9092' is not NAME://host:port",
        'auto.create.topics.enable',
        'message.max.bytes: -5 must be at least 0',
      ])
        assert.ok(err.message.includes(part), `missing: ${part}\n${err.message}`);
      return true;
    },
  );
});

test('unknown keys are warnings, once each, with a suggestion for a likely typo', () => {
  const c = resolveBrokerConfig([
    { source: 'a.properties', values: { 'num.network.threads': '3', 'log.retension.ms': '5' } },
    { source: '--override', values: { 'num.network.threads': '4', 'num.partitions': '2' } },
  ]);
  assert.equal(c.int('num.partitions'), 2);
  assert.equal(c.int('log.retention.ms'), 7 * 24 * 3600 * 1000, 'a misspelt key changes nothing');
  assert.deepStrictEqual(c.warnings, [
    "unknown config 'num.network.threads' (from a.properties) is ignored",
    "unknown config 'log.retension.ms' (from a.properties) is ignored; did you mean 'log.retention.ms'?",
  ]);
  assert.throws(
    () => resolveBrokerConfig([{ source: 'a.properties', values: { 'log.retension.ms': '5' } }], { strict: true }),
    /invalid configuration: unknown config 'log.retension.ms' \(from a.properties\); did you mean 'log.retention.ms'\?$/,
  );
});

test('a KRaft file’s second listener is a warning: one broker serves its first listener', () => {
  const c = buildBrokerConfig({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093' });
  assert.deepStrictEqual(c.listeners[0], { name: 'PLAINTEXT', host: '0.0.0.0', port: 9092 });
  assert.deepStrictEqual(c.warnings, ['listeners: only PLAINTEXT is served; CONTROLLER ignored']);
});

test('broker environment variables: their own prefix and Confluent’s escapes', () => {
  assert.equal(envVarToConfigName('LOG_RETENTION_MS'), 'log.retention.ms');
  assert.equal(envVarToConfigName('LISTENER_NAME_EXTERNAL___LB_SASL__X'), 'listener.name.external_lb.sasl-x');
  for (const name of ['log.retention.ms', 'listener.name.external_lb.sasl-x', 'a_b-c.d'])
    assert.equal(envVarToConfigName(configNameToEnvVar(name).slice('GREGOR_BROKER_'.length)), name);
  assert.deepStrictEqual(
    propertiesFromEnv({
      GREGOR_BROKER_LOG_RETENTION_MS: '5',
      GREGOR_BOOTSTRAP_SERVER: 'h:1',
      GREGOR_DEBUG: '1',
      GREGOR_BROKER_: 'x',
      PATH: '/bin',
    }),
    { 'log.retention.ms': '5' },
  );
  assert.deepStrictEqual(
    legacyEnvHints(
      { GREGOR_LOG_RETENTION_MS: '5', GREGOR_BOOTSTRAP_SERVER: 'h:1', GREGOR_DEBUG: '1' },
      isBrokerSetting,
    ),
    [
      'environment variable GREGOR_LOG_RETENTION_MS is not read by the broker; broker settings use the ' +
        'GREGOR_BROKER_ prefix (GREGOR_BROKER_LOG_RETENTION_MS sets log.retention.ms)',
    ],
  );
});

test('properties files', () => {
  const props = parseProperties(
    '# comment\n! also\nnum.partitions = 3\nlog.dirs: /var/lib/gregor\nlisteners=PLAINTEXT://0.0.0.0:9093\\\n\n',
  );
  assert.deepStrictEqual(props, {
    'num.partitions': '3',
    'log.dirs': '/var/lib/gregor',
    listeners: 'PLAINTEXT://0.0.0.0:9093',
  });
});

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [...brokerCommand(), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 20_000,
  });

test('the broker process refuses bad configuration with exit code 2 and says why', () => {
  const bad = run(['--override', 'num.partitions=abc', '--override', 'listeners=PLAINTEXT://127.0.0.1:0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /num\.partitions: 'abc' is not an integer/);
  const env = run(['--override', 'listeners=PLAINTEXT://127.0.0.1:0'], { GREGOR_BROKER_MESSAGE_MAX_BYTES: 'big' });
  assert.equal(env.status, 2);
  assert.match(
    env.stderr,
    /message\.max\.bytes: 'big' is not an integer \(from environment variable GREGOR_BROKER_MESSAGE_MAX_BYTES\)/,
  );
  const flag = run(['--bogus']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /Unknown option '--bogus'/);
  const dir = mkdtempSync(join(tmpdir(), 'gregor-cfg-'));
  try {
    const missing = run(['--config', join(dir, 'nope.properties')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read config file/);
    writeFileSync(join(dir, 'server.properties'), 'log.segment.bytes=10\n');
    const tooSmall = run(['--config', join(dir, 'server.properties')]);
    assert.equal(tooSmall.status, 2);
    assert.match(tooSmall.stderr, /log\.segment\.bytes: 10 must be at least 14/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /message\.max\.bytes/);
});
