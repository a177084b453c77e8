// Compiles the TypeScript sources to JavaScript, so the broker and the `gregor` command start
// without a TypeScript loader:
// - every package's packages/*/src/**/*.ts to packages/*/dist/**/*.js, one file per source (the
//   `default` target of each package's exports; `npm start` runs packages/broker/dist/main.js);
// - the `gregor` command as one bundle, packages/cli/dist/bundle/ (one module to load instead of
//   hundreds, with commands split into chunks loaded on use; native addons and the broker stay
//   outside it).
// Type checking stays with `npm run typecheck`: this is a transpile (esbuild, per file, which
// `isolatedModules` and `verbatimModuleSyntax` make safe).
//
// Incremental: a file is compiled only when its output is missing or older than its source,
// outputs whose source is gone are removed, and the bundle is redone only when one of its inputs
// changed. Runs at install (`prepare`) and before `npm start` and `npm test`.
// Usage: node scripts/build.mjs [--clean] [--quiet]
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const clean = process.argv.includes('--clean');
const quiet = process.argv.includes('--quiet');
const BUNDLE_DIR = join(root, 'packages', 'cli', 'dist', 'bundle');

function walk(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => join(e.parentPath, e.name));
}

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);

async function compilePackage(pkg) {
  const src = join(root, 'packages', pkg, 'src');
  const dist = join(root, 'packages', pkg, 'dist');
  if (!existsSync(src)) return { compiled: 0, removed: 0 };
  if (clean) rmSync(dist, { recursive: true, force: true });
  const wanted = new Set();
  const jobs = [];
  for (const file of walk(src, '.ts')) {
    if (file.endsWith('.d.ts')) continue;
    const rel = relative(src, file).replace(/\.ts$/, '.js');
    const out = join(dist, rel);
    wanted.add(out).add(`${out}.map`);
    if (mtime(out) >= mtime(file)) continue;
    jobs.push(
      transform(readFileSync(file, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'external',
        sourcefile: relative(dirname(out), file),
      }).then(({ code, map }) => {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(`${out}.map`, map);
        writeFileSync(out, `${code}//# sourceMappingURL=${rel.split(sep).pop()}.map\n`);
      }),
    );
  }
  await Promise.all(jobs);
  let removed = 0;
  for (const file of [...walk(dist, '.js'), ...walk(dist, '.js.map')]) {
    if (!wanted.has(file) && !file.startsWith(BUNDLE_DIR + sep)) {
      rmSync(file);
      removed++;
    }
  }
  return { compiled: jobs.length, removed };
}

/** The `gregor` bundle; its inputs are kept beside it to tell when it is stale. */
async function bundleCli() {
  const inputsFile = join(BUNDLE_DIR, 'inputs.json');
  const entry = join(BUNDLE_DIR, 'gregor.js');
  if (existsSync(inputsFile) && existsSync(entry)) {
    const built = mtime(entry);
    const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
    if (inputs.every((f) => mtime(join(root, f)) >= 0 && mtime(join(root, f)) <= built)) return false;
  }
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { gregor: 'packages/cli/src/main.ts' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: BUNDLE_DIR,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    // Native addons load from node_modules; the broker runs from its own dist (`gregor start`).
    external: ['@gregor/broker', '@gregor/broker/*', 'zstd-napi', 'snappy', 'lz4-napi', '@node-rs/crc32'],
    // Bundled CommonJS dependencies (commander, cli-table3) call require() for Node's modules.
    banner: {
      js: "import { createRequire as __gregorRequire } from 'node:module';\nconst require = __gregorRequire(import.meta.url);",
    },
  });
  writeFileSync(
    inputsFile,
    JSON.stringify(Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'))),
  );
  return true;
}

const started = performance.now();
let compiled = 0;
let removed = 0;
for (const pkg of readdirSync(join(root, 'packages'))) {
  const r = await compilePackage(pkg);
  compiled += r.compiled;
  removed += r.removed;
}
const bundled = await bundleCli();
if (!quiet || compiled > 0 || removed > 0 || bundled) {
  const ms = Math.round(performance.now() - started);
  const what = `${compiled} file(s) compiled, ${removed} removed${bundled ? ', gregor bundled' : ''}`;
  console.error(`[gregor] build: ${what} in ${ms} ms`);
}
