/**
 * Saved connection profiles, as rpk's: bootstrap servers and client properties under a name,
 * one of them current, so a user need not repeat flags. Stored as JSON in
 * $GREGOR_CONFIG (a file path; tests use it), else $XDG_CONFIG_HOME/gregor/config.json, else
 * ~/.config/gregor/config.json. Written atomically and readable by its owner only, since
 * properties may hold credentials one day.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, UsageError } from './errors.js';

export interface Profile {
  bootstrapServers?: string;
  /** Kafka/librdkafka client properties (client.id, request.timeout.ms, …). */
  properties: Record<string, string>;
}

export interface ProfileFile {
  current?: string;
  profiles: Record<string, Profile>;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GREGOR_CONFIG) return env.GREGOR_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'gregor', 'config.json');
}

export function readProfiles(path = configPath()): ProfileFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as ProfileFile;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.profiles !== 'object')
      throw new Error('expected {"current", "profiles": {…}}');
    return parsed;
  } catch (e) {
    throw new CliError(`${path} is not a valid gregor config: ${(e as Error).message}`);
  }
}

export function writeProfiles(file: ProfileFile, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The profile a command uses: `--profile`/GREGOR_PROFILE when given (it must exist), else the current one. */
export function activeProfile(chosen: string | undefined, path = configPath()): [string, Profile] | undefined {
  const file = readProfiles(path);
  const name = chosen ?? file.current;
  if (name === undefined) return undefined;
  const profile = file.profiles[name];
  if (profile) return [name, profile];
  if (chosen !== undefined) throw new UsageError(`no profile named '${chosen}' (in ${path})`);
  return undefined; // a current profile deleted by hand: behave as if none were set
}
