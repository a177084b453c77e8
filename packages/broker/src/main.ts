/**
 * `npm start`: runs one broker. Configuration comes from Kafka-named properties, later sources
 * winning: built-in defaults, a properties file (--config), GREGOR_BROKER_* environment
 * variables (GREGOR_BROKER_LOG_RETENTION_MS=… is log.retention.ms), then --override key=value
 * flags. Anything that stops the start is one line on stderr and exit code 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Broker } from './broker.js';
import { configHelp, ConfigError, isBrokerSetting, resolveBrokerConfig } from './config/broker-config.js';
import { environmentLayers, legacyEnvHints, parseProperties, type ConfigLayer } from './config/sources.js';

const USAGE = `usage: npm start -- [--config server.properties] [--override key=value]... [--strict-config]

Runs a Gregor broker (Kafka protocol) on 127.0.0.1:9092 with data under ./data unless told otherwise.

Options:
  -c, --config FILE        a Kafka-style .properties file
  -o, --override KEY=VALUE a config value (repeatable); also GREGOR_BROKER_KEY_NAME=VALUE in the
                           environment (. is _, - is __, _ is ___: GREGOR_BROKER_LOG_RETENTION_MS)
      --strict-config      refuse settings Gregor does not know (by default they are logged and ignored)
  -h, --help               this text

Configs:
${configHelp()}
`;

function fail(message: string): never {
  process.stderr.write(`gregor: ${message}\n`);
  process.exit(2);
}

export async function main(argv: string[]): Promise<void> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        override: { type: 'string', short: 'o', multiple: true },
        'strict-config': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    });
  } catch (err) {
    fail(`${(err as Error).message} (--help lists the options)`);
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const layers: ConfigLayer[] = [];
  if (args.values.config) {
    try {
      layers.push({ source: args.values.config, values: parseProperties(readFileSync(args.values.config, 'utf8')) });
    } catch (err) {
      fail(`cannot read config file ${args.values.config}: ${(err as Error).message}`);
    }
  }
  layers.push(...environmentLayers(process.env));
  const flags: Record<string, string> = {};
  for (const o of args.values.override ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) fail(`--override expects key=value, got '${o}'`);
    flags[o.slice(0, eq).trim()] = o.slice(eq + 1);
  }
  layers.push({ source: '--override', values: flags });
  let config;
  try {
    config = resolveBrokerConfig(layers, { strict: args.values['strict-config'] === true });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  config.warnings.push(...legacyEnvHints(process.env, isBrokerSetting));
  let broker: Broker;
  try {
    broker = await Broker.start(config);
  } catch (err) {
    fail(`cannot start: ${(err as Error).message}`);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    broker.logger.info({ signal }, 'shutting down');
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        broker.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main(process.argv.slice(2));
