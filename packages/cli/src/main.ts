/** The `gregor` binary's entry (bin/gregor.js loads it through tsx). */
import { run } from './program.js';

const code = await run(process.argv.slice(2));
if (code !== null) {
  // Let piped output drain, then exit even if a client left a timer behind.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(code);
}
