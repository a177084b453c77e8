#!/usr/bin/env node
// The `gregor` command: registers tsx's loader in this process, then runs the TypeScript entry.
// Paths are resolved from this file, so it works from any working directory and through the
// symlink npm puts in node_modules/.bin.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/main.ts', import.meta.url).href);
