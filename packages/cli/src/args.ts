/** Argument parsers for commander options: each throws commander's InvalidArgumentError (exit 2). */
import { InvalidArgumentError } from 'commander';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected an integer, got '${value}'`);
    const n = Number(value);
    if (n < min || n > max)
      throw new InvalidArgumentError(
        `expected ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min} to ${max}`}, got ${n}`,
      );
    return n;
  };
}

/** `key=value`, collected into a list (repeatable options). */
export function keyValue(value: string, previous: [string, string][] = []): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'`);
  return [...previous, [value.slice(0, eq).trim(), value.slice(eq + 1)]];
}

/** A repeatable plain value. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export const ACKS = { all: -1, '-1': -1, '1': 1, '0': 0 } as const;

export function acks(value: string): -1 | 0 | 1 {
  const a = ACKS[value as keyof typeof ACKS];
  if (a === undefined) throw new InvalidArgumentError(`expected all, -1, 1 or 0, got '${value}'`);
  return a;
}

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export function compression(value: string): Compression {
  if (!(COMPRESSIONS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${COMPRESSIONS.join(', ')}, got '${value}'`);
  return value as Compression;
}

/** host:port[,host:port…] */
export function bootstrapServers(value: string): string {
  for (const address of value.split(','))
    if (!/^(\[[^\]]+\]|[^:\s]+):\d+$/.test(address.trim()))
      throw new InvalidArgumentError(`expected host:port[,host:port…], got '${value}'`);
  return value;
}
