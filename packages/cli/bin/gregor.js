#!/usr/bin/env node
// The `gregor` command. Runs the compiled bundle (dist/bundle/, made by `npm run build`, which
// `npm install`, `npm start` and `npm test` run), so start-up needs no TypeScript loader. From a
// checkout that was never built, or with GREGOR_FROM_SOURCE=1, it registers tsx and runs the
// TypeScript sources instead. Paths resolve from this file, so it works from any directory and
// through the symlink npm puts in node_modules/.bin.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/bundle/gregor.js', import.meta.url);
if (process.env.GREGOR_FROM_SOURCE !== '1' && existsSync(compiled)) {
  // Source maps cost ~30 ms a start; only worth it when a stack trace will be printed.
  if (process.env.GREGOR_DEBUG) process.setSourceMapsEnabled(true);
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
