/** `gregor cluster describe`: cluster id, controller and brokers (DescribeCluster or Metadata). */
import type { Context } from '../context.js';
import { fields, table } from '../output.js';

export async function clusterDescribe(ctx: Context): Promise<void> {
  const admin = await ctx.admin();
  const c = await admin.describeCluster();
  const topics = await admin.listTopics({ includeInternal: true });
  ctx.print(
    fields([
      ['Cluster ID', c.clusterId ?? '(none)'],
      ['Controller', c.controllerId < 0 ? 'none' : c.controllerId],
      ['Brokers', c.brokers.length],
      ['Topics', topics.length],
    ]),
  );
  ctx.print();
  const rows = [...c.brokers]
    .sort((a, b) => a.nodeId - b.nodeId)
    .map((b) => [b.nodeId, b.host, b.port, b.rack ?? '', b.nodeId === c.controllerId ? 'yes' : '']);
  ctx.print(table(['ID', 'HOST', 'PORT', 'RACK', 'CONTROLLER'], rows, { color: ctx.out.enabled }));
}
