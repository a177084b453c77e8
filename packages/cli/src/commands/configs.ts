/**
 * `gregor configs describe|alter`, as kafka-configs.sh: entities are topics or brokers, named
 * (`--entity-name`) or the cluster-wide broker default (`--entity-default`). Describe prints
 * Kafka's lines, `name=value sensitive=false synonyms={SOURCE:name=value, …}`, showing only
 * the dynamic overrides unless `--all`; alter sets (`--add-config`) and removes
 * (`--delete-config`) overrides through IncrementalAlterConfigs.
 */
import type { Admin, ConfigDescription, ConfigEntry, ConfigResourceType, ConfigSource } from '@gregor/client';
import type { Context } from '../context.js';
import { CliError, UsageError } from '../errors.js';

export interface EntityOptions {
  entityType?: string;
  entityName?: string;
  entityDefault?: boolean;
  /** Shorthands from kafka-configs.sh: --topic T, --broker N, --broker-defaults. */
  topic?: string;
  broker?: string;
  brokerDefaults?: boolean;
}

export interface DescribeOptions extends EntityOptions {
  all?: boolean;
}

export interface AlterOptions extends EntityOptions {
  addConfig?: string[];
  deleteConfig?: string[];
}

/** One entity: a topic, a broker by id, or (name '') the default of every broker. */
interface Entity {
  type: ConfigResourceType;
  /** undefined: every entity of the type. */
  name: string | undefined;
}

const ENTITY_TYPES: Record<string, ConfigResourceType> = {
  topics: 'topic',
  topic: 'topic',
  brokers: 'broker',
  broker: 'broker',
};

/** Kafka's ConfigEntry.ConfigSource names, as its tool prints them. */
const SOURCE_NAMES: Record<ConfigSource, string> = {
  unknown: 'UNKNOWN',
  'dynamic-topic': 'DYNAMIC_TOPIC_CONFIG',
  'dynamic-broker': 'DYNAMIC_BROKER_CONFIG',
  'dynamic-default-broker': 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'static-broker': 'STATIC_BROKER_CONFIG',
  default: 'DEFAULT_CONFIG',
  'dynamic-broker-logger': 'DYNAMIC_BROKER_LOGGER_CONFIG',
};

function entityOf(o: EntityOptions): Entity {
  const shorthands = [o.topic !== undefined, o.broker !== undefined, o.brokerDefaults === true].filter(Boolean);
  if (shorthands.length > 1) throw new UsageError('use only one of --topic, --broker, --broker-defaults');
  if (shorthands.length === 1 && (o.entityType !== undefined || o.entityName !== undefined || o.entityDefault))
    throw new UsageError(
      '--topic, --broker and --broker-defaults replace --entity-type/--entity-name/--entity-default',
    );
  if (o.topic !== undefined) return { type: 'topic', name: o.topic };
  if (o.broker !== undefined) return brokerEntity(o.broker);
  if (o.brokerDefaults) return { type: 'broker', name: '' };

  if (o.entityType === undefined)
    throw new UsageError('name the entity: --entity-type topics|brokers (or --topic T, --broker N, --broker-defaults)');
  const type = ENTITY_TYPES[o.entityType];
  if (!type) throw new UsageError(`--entity-type must be topics or brokers, got '${o.entityType}'`);
  if (o.entityName !== undefined && o.entityDefault)
    throw new UsageError('--entity-name and --entity-default exclude each other');
  if (o.entityDefault) {
    if (type !== 'broker') throw new UsageError('--entity-default applies to --entity-type brokers only');
    return { type, name: '' };
  }
  if (o.entityName === undefined) return { type, name: undefined };
  return type === 'broker' ? brokerEntity(o.entityName) : { type, name: o.entityName };
}

function brokerEntity(id: string): Entity {
  if (!/^\d+$/.test(id)) throw new UsageError(`a broker is named by its numeric id, got '${id}'`);
  return { type: 'broker', name: id };
}

/** A named broker must be in the cluster (otherwise the request has nowhere to go). */
async function checkBrokerExists(admin: Admin, entity: Entity): Promise<void> {
  if (entity.type !== 'broker' || !entity.name) return;
  const ids = (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  if (!ids.includes(Number(entity.name)))
    throw new CliError(`no broker ${entity.name} in the cluster (brokers: ${ids.join(', ')})`);
}

const entityLabel = (e: { type: ConfigResourceType; name: string }) =>
  e.type === 'topic' ? `topic ${e.name}` : e.name === '' ? 'brokers in the cluster' : `broker ${e.name}`;

/**
 * What describe shows without --all: the overrides set on the entity itself. This broker keeps
 * one set of dynamic broker configs and reports it as the cluster default even for a named
 * broker, so a named broker shows both dynamic sources.
 */
function isOverride(type: ConfigResourceType, name: string, c: ConfigEntry): boolean {
  if (type === 'topic') return c.source === 'dynamic-topic';
  if (name === '') return c.source === 'dynamic-default-broker';
  return c.source === 'dynamic-broker' || c.source === 'dynamic-default-broker';
}

const shownValue = (c: { value: string | null }, sensitive: boolean) => (sensitive ? 'null' : (c.value ?? 'null'));

function describeLine(c: ConfigEntry): string {
  const synonyms = c.synonyms
    .map((s) => `${SOURCE_NAMES[s.source]}:${s.name}=${shownValue(s, c.isSensitive)}`)
    .join(', ');
  return `  ${c.name}=${shownValue(c, c.isSensitive)} sensitive=${c.isSensitive} synonyms={${synonyms}}`;
}

export async function configsDescribe(ctx: Context, o: DescribeOptions): Promise<void> {
  const entity = entityOf(o);
  const admin = await ctx.admin();
  await checkBrokerExists(admin, entity);
  let names: string[];
  if (entity.name !== undefined) names = [entity.name];
  else if (entity.type === 'topic') names = await admin.listTopics({ includeInternal: true });
  else names = (await admin.describeCluster()).brokers.map((b) => String(b.nodeId)).sort((a, b) => +a - +b);
  const described: ConfigDescription[] = await admin.describeConfigs(
    names.map((name) => ({ type: entity.type, name })),
    { includeSynonyms: true },
  );
  described.forEach((d, i) => {
    // The broker answers in request order; fall back to ours if a name came back altered.
    const name = names[i] ?? d.name;
    const shown = d.configs
      .filter((c) => o.all || isOverride(entity.type, name, c))
      .sort((a, b) => a.name.localeCompare(b.name));
    const label = entityLabel({ type: entity.type, name });
    ctx.print(
      o.all
        ? `All configs for ${label} are:`
        : name === ''
          ? 'Default configs for brokers in the cluster are:'
          : `Dynamic configs for ${label} are:`,
    );
    for (const c of shown) ctx.print(describeLine(c));
  });
}

/**
 * Kafka's --add-config syntax: `k1=v1,k2=[v1,v2],k3=v3`; square brackets hold a list value whose
 * commas do not separate entries. Repeating the option adds more.
 */
export function parseConfigAssignments(specs: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const spec of specs) {
    let depth = 0;
    let start = 0;
    const items: string[] = [];
    for (let i = 0; i <= spec.length; i++) {
      const ch = spec[i];
      if (ch === '[') depth++;
      else if (ch === ']') depth = Math.max(0, depth - 1);
      else if ((ch === ',' && depth === 0) || i === spec.length) {
        items.push(spec.slice(start, i));
        start = i + 1;
      }
    }
    for (const item of items) {
      if (item.trim() === '') continue;
      const eq = item.indexOf('=');
      if (eq <= 0) throw new UsageError(`--add-config expects k=v[,k=v…], got '${item}'`);
      let value = item.slice(eq + 1).trim();
      if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
      out.push([item.slice(0, eq).trim(), value]);
    }
  }
  return out;
}

export async function configsAlter(ctx: Context, o: AlterOptions): Promise<void> {
  const entity = entityOf(o);
  if (entity.name === undefined)
    throw new UsageError(
      entity.type === 'broker'
        ? 'altering broker configs needs --entity-name ID or --entity-default'
        : 'altering topic configs needs --entity-name TOPIC',
    );
  const sets = parseConfigAssignments(o.addConfig ?? []);
  const deletes = (o.deleteConfig ?? [])
    .flatMap((d) => d.split(','))
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (sets.length === 0 && deletes.length === 0)
    throw new UsageError('configs alter needs --add-config or --delete-config');
  const both = sets.find(([k]) => deletes.includes(k));
  if (both) throw new UsageError(`'${both[0]}' is both added and deleted`);
  const admin = await ctx.admin();
  await checkBrokerExists(admin, entity);
  await admin.incrementalAlterConfigs([
    {
      type: entity.type,
      name: entity.name,
      ops: [
        ...sets.map(([name, value]) => ({ name, op: 'set' as const, value })),
        ...deletes.map((name) => ({ name, op: 'delete' as const })),
      ],
    },
  ]);
  ctx.print(
    entity.name === ''
      ? 'Completed updating default config for brokers in the cluster.'
      : `Completed updating config for ${entityLabel({ type: entity.type, name: entity.name })}.`,
  );
}
