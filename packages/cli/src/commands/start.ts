/**
 * `gregor start`: runs the broker exactly as `npm start` does, through the broker's own entry
 * (packages/broker/src/main.ts), which parses --config/--override/--help itself. That module runs
 * `main(process.argv.slice(2))` when loaded, so the arguments are handed over through argv.
 */
export async function start(args: readonly string[]): Promise<void> {
  process.argv = [process.argv[0]!, 'gregor-start', ...args];
  await import('@gregor/broker/main');
}
