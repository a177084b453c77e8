/** `@gregor/testkit/netlab`: network namespaces, a bridge and partitions for cluster tests. */
export { NetLab, LabNode, type IsolateOptions, type NetLabOptions } from './lab.js';
export { probeTcp, type ProbeOptions, type ProbeResult } from './probe.js';
export { CommandError } from './shell.js';
