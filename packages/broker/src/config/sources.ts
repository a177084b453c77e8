/**
 * Where broker settings come from besides flags: Java-style .properties files and the
 * environment. Each source is a layer of Kafka-named properties labelled with where it came
 * from, so a warning or an error can point at the file or variable to fix.
 */

/** Kafka-named properties from one place (a file, an environment variable, the command line). */
export interface ConfigLayer {
  /** Shown in warnings and errors: a file path, a variable name, `--override`. */
  source: string;
  values: Record<string, string>;
}

/** Reads Java-style .properties text: key=value or key: value, # and ! comments, \ continuations. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\\\r?\n\s*/g, '').split(/\r?\n/);
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(trimmed);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * Broker settings in the environment carry their own prefix, so that variables meant for the
 * CLI (GREGOR_BOOTSTRAP_SERVER, GREGOR_DEBUG, …) can never be taken for broker settings.
 */
export const BROKER_ENV_PREFIX = 'GREGOR_BROKER_';

/**
 * GREGOR_BROKER_LOG_RETENTION_MS → log.retention.ms, with the escapes of Confluent's images for
 * the rarer characters: `_` is a dot, `__` a dash, `___` an underscore
 * (GREGOR_BROKER_LISTENER_NAME_EXTERNAL___LB_X → listener.name.external_lb.x).
 */
export function envVarToConfigName(suffix: string): string {
  return suffix.toLowerCase().replace(/___|__|_/g, (m) => (m === '___' ? '_' : m === '__' ? '-' : '.'));
}

/** The reverse of envVarToConfigName, for messages that tell the user which variable to set. */
export function configNameToEnvVar(name: string): string {
  return BROKER_ENV_PREFIX + name.replace(/[._-]/g, (c) => (c === '_' ? '___' : c === '-' ? '__' : '_')).toUpperCase();
}

/** One layer per GREGOR_BROKER_* variable, so a bad value names the variable it came from. */
export function environmentLayers(env: NodeJS.ProcessEnv): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  for (const [variable, value] of Object.entries(env))
    if (variable.startsWith(BROKER_ENV_PREFIX) && variable.length > BROKER_ENV_PREFIX.length && value !== undefined)
      layers.push({
        source: `environment variable ${variable}`,
        values: { [envVarToConfigName(variable.slice(BROKER_ENV_PREFIX.length))]: value },
      });
  return layers;
}

/** All GREGOR_BROKER_* variables as one record of Kafka-named properties. */
export function propertiesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.assign({}, ...environmentLayers(env).map((l) => l.values)) as Record<string, string>;
}

/**
 * Variables in the old scheme (GREGOR_LOG_RETENTION_MS, read before the broker had its own
 * prefix) that name a broker setting: not read any more, but worth a warning so a deployment
 * that relied on them notices.
 */
export function legacyEnvHints(env: NodeJS.ProcessEnv, isBrokerSetting: (name: string) => boolean): string[] {
  const hints: string[] = [];
  for (const variable of Object.keys(env)) {
    if (!variable.startsWith('GREGOR_') || variable.startsWith(BROKER_ENV_PREFIX)) continue;
    const name = envVarToConfigName(variable.slice('GREGOR_'.length));
    if (isBrokerSetting(name))
      hints.push(
        `environment variable ${variable} is not read by the broker; broker settings use the ` +
          `${BROKER_ENV_PREFIX} prefix (${configNameToEnvVar(name)} sets ${name})`,
      );
  }
  return hints;
}
