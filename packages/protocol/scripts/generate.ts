/**
 * Generates the wire codec from Kafka's JSON message specs:
 *   npm run generate                       writes packages/protocol/src/generated
 *   npm run generate -- --check            fails if the committed files differ
 *   npm run generate -- --int64 number --out DIR   another int64 representation (benchmarks)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFiles, type GeneratedFile } from './generator/files.js';
import type { Int64Mode } from './generator/codegen.js';
import { loadSpecs } from './generator/spec.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_SPEC_DIR = resolve(here, '../../../../shared/kafka-protocol');
export const DEFAULT_OUT_DIR = resolve(here, '../src/generated');

export function generate(specDir: string, int64: Int64Mode): GeneratedFile[] {
  return generateFiles(loadSpecs(specDir), { int64 });
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** Differences between generated files and a directory, as readable lines (empty when equal). */
export function diffAgainst(files: GeneratedFile[], dir: string): string[] {
  const problems: string[] = [];
  const expected = new Set(files.map((f) => f.path));
  for (const f of files) {
    const path = join(dir, f.path);
    if (!existsSync(path)) problems.push(`missing: ${f.path}`);
    else if (readFileSync(path, 'utf8') !== f.content) problems.push(`differs: ${f.path}`);
  }
  for (const p of listFiles(dir)) if (p.endsWith('.ts') && !expected.has(p)) problems.push(`not generated: ${p}`);
  return problems;
}

function write(files: GeneratedFile[], dir: string, specDir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  // The specs are Apache-2.0 data: their LICENSE and NOTICE travel with what is made from them.
  for (const name of ['LICENSE', 'NOTICE']) copyFileSync(join(specDir, name), join(dir, name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      int64: { type: 'string', default: 'bigint' },
      out: { type: 'string' },
      specs: { type: 'string', default: DEFAULT_SPEC_DIR },
    },
  });
  if (values.int64 !== 'bigint' && values.int64 !== 'number') {
    console.error(`--int64 must be bigint or number, not ${values.int64}`);
    process.exit(2);
  }
  if (!existsSync(join(values.specs, 'message'))) {
    console.error(`no Kafka message specs at ${values.specs} (expected ${join(values.specs, 'message')})`);
    process.exit(2);
  }
  const files = generate(values.specs, values.int64);
  const out = values.out ? resolve(values.out) : DEFAULT_OUT_DIR;
  if (values.check) {
    const problems = diffAgainst(files, out);
    if (problems.length > 0) {
      console.error(`generated code is out of date (run npm run generate):\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`generated code is up to date (${files.length} files)`);
  } else {
    write(files, out, values.specs);
    console.log(`wrote ${files.length} files to ${relative(process.cwd(), out)}`);
  }
}
