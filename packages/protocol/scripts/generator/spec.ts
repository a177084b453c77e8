/**
 * Loads Kafka's JSON message specs (JSON with // comments) into a typed model the code
 * generator and the round-trip tests share.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An inclusive version range; `none` is the empty range (lo > hi). */
export interface VersionRange {
  lo: number;
  hi: number;
}
export const NO_VERSIONS: VersionRange = { lo: 1, hi: 0 };
export const MAX_VERSION = 0x7fff;

export function parseVersions(text: string | undefined, fallback: VersionRange = NO_VERSIONS): VersionRange {
  if (text === undefined) return fallback;
  const t = text.trim();
  if (t === 'none' || t === '') return NO_VERSIONS;
  if (t.endsWith('+')) return { lo: Number(t.slice(0, -1)), hi: MAX_VERSION };
  const dash = t.indexOf('-');
  if (dash > 0) return { lo: Number(t.slice(0, dash)), hi: Number(t.slice(dash + 1)) };
  return { lo: Number(t), hi: Number(t) };
}
export const isEmpty = (r: VersionRange): boolean => r.lo > r.hi;
export const intersect = (a: VersionRange, b: VersionRange): VersionRange => ({
  lo: Math.max(a.lo, b.lo),
  hi: Math.min(a.hi, b.hi),
});
export const covers = (outer: VersionRange, inner: VersionRange): boolean =>
  isEmpty(inner) || (outer.lo <= inner.lo && outer.hi >= inner.hi);
export const contains = (r: VersionRange, v: number): boolean => v >= r.lo && v <= r.hi;

export interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  ignorable?: boolean;
  mapKey?: boolean;
  entityType?: string;
  about?: string;
  flexibleVersions?: string;
  zeroCopy?: boolean;
  fields?: RawField[];
}
export interface RawStruct {
  name: string;
  versions?: string;
  fields: RawField[];
}
export interface RawSpec {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: RawStruct[];
}

export const PRIMITIVES = [
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'int64',
  'float64',
  'string',
  'bytes',
  'uuid',
  'records',
] as const;
export type Primitive = (typeof PRIMITIVES)[number];
export const isPrimitive = (t: string): t is Primitive => (PRIMITIVES as readonly string[]).includes(t);

/** A resolved field type. */
export type FieldType =
  | { kind: 'primitive'; name: Primitive }
  | { kind: 'array'; element: FieldType }
  | { kind: 'struct'; struct: StructSpec };

export interface FieldSpec {
  /** The spec's name, e.g. `ThrottleTimeMs`. */
  specName: string;
  /** The TypeScript property name, e.g. `throttleTimeMs`. */
  name: string;
  type: FieldType;
  versions: VersionRange;
  nullable: VersionRange;
  tagged: VersionRange;
  tag: number | undefined;
  /** Field-level override of the message's flexible versions (only RequestHeader.ClientId uses it). */
  flexible: VersionRange | undefined;
  defaultText: string | undefined;
  ignorable: boolean;
  mapKey: boolean;
  entityType: string | undefined;
  about: string | undefined;
}

export interface StructSpec {
  /** The spec's struct name (`FetchTopic`), or the message name for the top level. */
  specName: string;
  /** The generated TypeScript name, unique within the message's file. */
  tsName: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  raw: RawSpec;
  name: string;
  type: RawSpec['type'];
  apiKey: number | undefined;
  valid: VersionRange;
  flexible: VersionRange;
  deprecated: VersionRange;
  listeners: string[];
  top: StructSpec;
  /** Every struct, top level first, each once. */
  structs: StructSpec[];
  /** Where the spec came from: `message` or `internal`. */
  source: 'message' | 'internal';
}

/** Strips line and block comments that are outside strings, so the text parses as JSON. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out;
}

export const camel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

export function resolveSpec(raw: RawSpec, source: MessageSpec['source']): MessageSpec {
  const common = new Map<string, RawStruct>();
  for (const s of raw.commonStructs ?? []) common.set(s.name, s);
  const structs: StructSpec[] = [];
  const byName = new Map<string, StructSpec>();
  const tsNameFor = (specName: string): string =>
    specName === raw.name || specName.startsWith(raw.name) ? specName : raw.name + specName;

  const buildStruct = (specName: string, rawFields: RawField[]): StructSpec => {
    const existing = byName.get(specName);
    if (existing) return existing;
    const struct: StructSpec = { specName, tsName: tsNameFor(specName), fields: [] };
    byName.set(specName, struct);
    structs.push(struct);
    struct.fields = rawFields.map(resolveField);
    return struct;
  };
  const resolveType = (type: string, nested: RawField[] | undefined): FieldType => {
    if (type.startsWith('[]')) return { kind: 'array', element: resolveType(type.slice(2), nested) };
    if (isPrimitive(type)) return { kind: 'primitive', name: type };
    const fields = nested ?? common.get(type)?.fields;
    if (!fields) throw new Error(`${raw.name}: unknown type ${type}`);
    return { kind: 'struct', struct: buildStruct(type, fields) };
  };
  const resolveField = (f: RawField): FieldSpec => ({
    specName: f.name,
    name: camel(f.name),
    type: resolveType(f.type, f.fields),
    versions: parseVersions(f.versions),
    nullable: parseVersions(f.nullableVersions),
    tagged: parseVersions(f.taggedVersions),
    tag: f.tag,
    flexible: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions),
    defaultText: f.default === undefined ? undefined : String(f.default),
    ignorable: f.ignorable === true,
    mapKey: f.mapKey === true,
    entityType: f.entityType,
    about: f.about,
  });

  const top = buildStruct(raw.name, raw.fields);
  return {
    raw,
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    valid: parseVersions(raw.validVersions),
    flexible: parseVersions(raw.flexibleVersions),
    deprecated: parseVersions(raw.deprecatedVersions),
    listeners: raw.listeners ?? [],
    top,
    structs,
    source,
  };
}

/** Loads every spec under `<root>/message` and `<root>/internal`, sorted by name. */
export function loadSpecs(root: string): MessageSpec[] {
  const specs: MessageSpec[] = [];
  for (const source of ['message', 'internal'] as const) {
    const dir = join(root, source);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json')) continue;
      const raw = JSON.parse(stripComments(readFileSync(join(dir, file), 'utf8'))) as RawSpec;
      specs.push(resolveSpec(raw, source));
    }
  }
  return specs;
}
