// Runs every package's tests (packages/*/test/**/*.test.ts) in one node:test run, so the
// summary at the end covers the whole repo. Node 20's --test does not expand globs itself.
// Usage: node scripts/test.mjs [package-name-or-path-filter …]
//
// In-process imports of other packages resolve to their TypeScript sources (the `gregor:source`
// export condition); processes the tests spawn (the broker, the `gregor` command) run the compiled
// JavaScript a user runs, so the build is brought up to date first.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const filters = process.argv.slice(2);
const files = readdirSync('packages')
  .flatMap((pkg) => testFiles(join('packages', pkg, 'test')))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
execSync('node scripts/build.mjs --quiet', { stdio: 'inherit' });
const result = spawnSync(
  process.execPath,
  [
    '--conditions=gregor:source',
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    // A test that leaves a client running must not hang the run: each test gets 3 minutes, and
    // the runner exits once every test has finished even if handles are still open.
    '--test-timeout=180000',
    '--test-force-exit',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
