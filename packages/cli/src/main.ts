/** The `gregor` binary's entry (bin/gregor.js loads it through tsx). */
import { guardStdio, stdoutClosed } from './io/stdio.js';
import { run } from './program.js';

guardStdio();
const code = await run(process.argv.slice(2));
if (code !== null) {
  // Let piped output drain (unless its reader is gone), then exit even if a client left a timer behind.
  if (!stdoutClosed.aborted) await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
