// Runs before `npm test` and `npm start` so that a fresh clone needs no other command: installs
// the workspace's dependencies when they are missing or older than the lockfile, then compiles
// what changed (scripts/build.mjs, incremental: ~50 ms when nothing did).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const lockfile = 'package-lock.json';
const stale = !existsSync(marker) || (existsSync(lockfile) && statSync(lockfile).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.log('[gregor] installing dependencies (npm ci)…');
  execSync(existsSync(lockfile) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund', {
    stdio: 'inherit',
  });
}
execSync('node scripts/build.mjs --quiet', { stdio: 'inherit' });
