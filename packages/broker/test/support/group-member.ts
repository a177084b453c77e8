/**
 * A kafkajs group member in its own process, for tests that kill one (SIGKILL: no LeaveGroup).
 * Usage: node --import tsx group-member.ts BOOTSTRAP GROUP TOPIC SESSION_TIMEOUT_MS
 * Prints one JSON line per event: {"assigned":[…]} on each join, {"read":{partition,offset,value}} per record.
 */
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, groupId, topic, sessionTimeout] = process.argv.slice(2);
const kafka = new Kafka({ brokers: [bootstrap!], clientId: 'group-member-child', logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: groupId!,
  sessionTimeout: Number(sessionTimeout),
  heartbeatInterval: 200,
  maxWaitTimeInMs: 100,
});
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  console.log(JSON.stringify({ assigned: e.payload.memberAssignment[topic!] ?? [] }));
});
await consumer.connect();
await consumer.subscribe({ topic: topic!, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    console.log(
      JSON.stringify({ read: { partition, offset: Number(message.offset), value: message.value?.toString() } }),
    );
  },
});
