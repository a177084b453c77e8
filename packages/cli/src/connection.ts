/**
 * Where a command connects and with which client properties. Bootstrap servers, first found:
 * --bootstrap-server, a bootstrap.servers property given on the command line (-X, --*-property,
 * --command-config), GREGOR_BOOTSTRAP_SERVER, the active profile, 127.0.0.1:9092. Properties,
 * later winning: the profile's, then --command-config files, then -X/--*-property flags.
 */
import { readFileSync } from 'node:fs';
import { bootstrapServers } from './args.js';
import { parseProperties, type Property } from './client-properties.js';
import { UsageError } from './errors.js';
import { activeProfile } from './profiles.js';

export const DEFAULT_BOOTSTRAP = '127.0.0.1:9092';

export interface ConnectionFlags {
  bootstrapServer?: string;
  /** Where commander found --bootstrap-server: 'cli', 'env' or 'default'. */
  bootstrapSource?: string;
  profile?: string;
  /** --command-config, --producer.config, --consumer.config files. */
  configFiles: readonly string[];
  /** -X, --producer-property, --consumer-property, in order. */
  properties: readonly (readonly [string, string])[];
}

export interface Connection {
  bootstrap: string;
  properties: Property[];
  profile?: string;
}

function readConfigFile(path: string): [string, string][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseProperties(text, path);
}

const BOOTSTRAP_NAMES = new Set(['bootstrap.servers', 'metadata.broker.list', 'brokers']);

function lastBootstrap(props: readonly (readonly [string, string, ...unknown[]])[]): string | undefined {
  let found: string | undefined;
  for (const [k, v] of props) if (BOOTSTRAP_NAMES.has(k)) found = v;
  return found;
}

export function resolveConnection(flags: ConnectionFlags): Connection {
  const active = activeProfile(flags.profile);
  const fromProfile: Property[] = active
    ? Object.entries(active[1].properties).map(([k, v]) => [k, v, 'profile'] as const)
    : [];
  const fromCommandLine: Property[] = [...flags.configFiles.flatMap(readConfigFile), ...flags.properties];
  const candidates: (string | undefined)[] = [
    flags.bootstrapSource === 'cli' ? flags.bootstrapServer : undefined,
    lastBootstrap(fromCommandLine),
    flags.bootstrapSource === 'env' ? flags.bootstrapServer : undefined,
    active?.[1].bootstrapServers ?? lastBootstrap(fromProfile),
  ];
  const bootstrap = candidates.find((c) => c !== undefined) ?? DEFAULT_BOOTSTRAP;
  try {
    bootstrapServers(bootstrap);
  } catch (e) {
    throw new UsageError(`bootstrap servers: ${(e as Error).message}`);
  }
  const connection: Connection = { bootstrap, properties: [...fromProfile, ...fromCommandLine] };
  if (active) connection.profile = active[0];
  return connection;
}
