/**
 * Which of ZooKeeper's warnings `gregor local-cluster` shows. ZooKeeper runs at WARN, and a few
 * of its warnings are routine for a local cluster: the default connection limit, every client
 * that does not announce read-only support (as Kafka's own client), and a client that closed its
 * socket (logged with a stack trace). Everything else is shown.
 */

const ROUTINE = [/maxCnxns is not configured/, /Connection request from old client/];
const HELD = /NIOServerCnxn - Unexpected exception$/;
const CLOSED_BY_CLIENT = /^EndOfStreamException: Unable to read additional data from client/;
const STACK_FRAME = /^\s+at |^\s*\.\.\. \d+ more$/;

/** Feeds ZooKeeper's lines one by one; calls `show` with those worth showing. */
export function zookeeperLineFilter(show: (line: string) => void): (line: string) => void {
  let held: string | undefined;
  let inDroppedTrace = false;
  return (line) => {
    if (inDroppedTrace && STACK_FRAME.test(line)) return;
    inDroppedTrace = false;
    if (held !== undefined) {
      const pending = held;
      held = undefined;
      if (CLOSED_BY_CLIENT.test(line)) {
        inDroppedTrace = true;
        return;
      }
      show(pending);
    }
    if (HELD.test(line)) {
      held = line;
      return;
    }
    if (!ROUTINE.some((r) => r.test(line))) show(line);
  };
}
