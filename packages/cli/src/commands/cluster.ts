/**
 * `gregor cluster describe`: cluster id, controller and brokers with their racks (DescribeCluster,
 * or Metadata on brokers without it). `--json` prints
 * {"clusterId":…,"controllerId":…,"brokers":[{"id":…,"host":…,"port":…,"rack":…,"controller":…}]}.
 */
import type { Context } from '../context.js';
import { fields, table } from '../output.js';

export async function clusterDescribe(ctx: Context, o: { json?: boolean } = {}): Promise<void> {
  const admin = await ctx.admin();
  const c = await admin.describeCluster();
  const brokers = [...c.brokers].sort((a, b) => a.nodeId - b.nodeId);
  if (o.json) {
    ctx.print(
      JSON.stringify({
        clusterId: c.clusterId,
        controllerId: c.controllerId,
        brokers: brokers.map((b) => ({
          id: b.nodeId,
          host: b.host,
          port: b.port,
          rack: b.rack,
          controller: b.nodeId === c.controllerId,
        })),
      }),
    );
    return;
  }
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
  const rows = brokers.map((b) => [
    b.nodeId,
    `${b.host}:${b.port}`,
    b.rack ?? '-',
    b.nodeId === c.controllerId ? 'yes' : '-',
  ]);
  ctx.print(table(['ID', 'ADDRESS', 'RACK', 'CONTROLLER'], rows, { color: ctx.out.enabled }));
}
