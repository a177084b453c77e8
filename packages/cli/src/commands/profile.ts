/**
 * `gregor profile create|use|list|delete|show`, as rpk's profiles: a named set of bootstrap
 * servers and client properties (see ../profiles.ts for where they are stored and
 * ../connection.ts for how they rank against flags and the environment).
 */
import { bootstrapServers } from '../args.js';
import { resolveProperties } from '../client-properties.js';
import { CliError, UsageError } from '../errors.js';
import { fields, table } from '../output.js';
import { configPath, readProfiles, writeProfiles, type Profile } from '../profiles.js';

export interface ProfileIo {
  print(text: string): void;
  warn(text: string): void;
}

export interface CreateFlags {
  /** --bootstrap-server, only when given on the command line. */
  bootstrapServer?: string;
  /** -X key=value */
  properties: readonly (readonly [string, string])[];
  force?: boolean;
}

const NAME = /^[A-Za-z0-9._-]+$/;

export function profileCreate(io: ProfileIo, name: string, flags: CreateFlags): void {
  if (!NAME.test(name)) throw new UsageError(`profile names use letters, digits, '.', '_' and '-', got '${name}'`);
  const file = readProfiles();
  if (file.profiles[name] && !flags.force)
    throw new CliError(`profile '${name}' already exists (delete it first, or add --force to replace it)`);
  // Unknown or unsupported properties are refused now rather than on every later command.
  for (const role of ['admin', 'producer', 'consumer'] as const)
    resolveProperties(
      flags.properties.map(([k, v]) => [k, v, 'profile'] as const),
      role,
      () => undefined,
    );
  const profile: Profile = { properties: Object.fromEntries(flags.properties) };
  if (flags.bootstrapServer !== undefined) profile.bootstrapServers = bootstrapServers(flags.bootstrapServer);
  file.profiles[name] = profile;
  file.current = name;
  writeProfiles(file);
  io.print(`Created profile '${name}' and made it current (${configPath()})`);
}

export function profileUse(io: ProfileIo, name: string): void {
  const file = readProfiles();
  if (!file.profiles[name]) throw new CliError(`no profile named '${name}'${known(file.profiles)}`);
  file.current = name;
  writeProfiles(file);
  io.print(`Using profile '${name}'`);
}

export function profileDelete(io: ProfileIo, name: string): void {
  const file = readProfiles();
  if (!file.profiles[name]) throw new CliError(`no profile named '${name}'${known(file.profiles)}`);
  delete file.profiles[name];
  if (file.current === name) delete file.current;
  writeProfiles(file);
  io.print(`Deleted profile '${name}'`);
}

export function profileList(io: ProfileIo, color: boolean): void {
  const file = readProfiles();
  const rows = Object.entries(file.profiles)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, p]) => [
      name,
      file.current === name ? '*' : '',
      p.bootstrapServers ?? '-',
      Object.keys(p.properties).length,
    ]);
  io.print(table(['NAME', 'CURRENT', 'BOOTSTRAP-SERVERS', 'PROPERTIES'], rows, { color }));
}

export function profileShow(io: ProfileIo, name: string | undefined): void {
  const file = readProfiles();
  const chosen = name ?? file.current;
  if (chosen === undefined) throw new CliError('no current profile (create one with: gregor profile create NAME)');
  const p = file.profiles[chosen];
  if (!p) throw new CliError(`no profile named '${chosen}'${known(file.profiles)}`);
  const props = Object.entries(p.properties);
  io.print(
    fields([
      ['Profile', chosen],
      ['Current', file.current === chosen ? 'yes' : 'no'],
      ['Bootstrap servers', p.bootstrapServers ?? '-'],
      ['Properties', props.length === 0 ? '-' : ''],
    ]).trimEnd(),
  );
  for (const [k, v] of props) io.print(`  ${k}=${v}`);
}

function known(profiles: Record<string, Profile>): string {
  const names = Object.keys(profiles);
  return names.length === 0 ? ' (there are none)' : ` (profiles: ${names.sort().join(', ')})`;
}
