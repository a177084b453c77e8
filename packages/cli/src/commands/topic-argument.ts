/** The topic of produce/consume: a positional argument or Kafka's --topic (kcat's -t), not both. */
import { UsageError } from '../errors.js';

export function topicArgument(positional: string | undefined, flag: string | undefined): string {
  if (positional !== undefined && flag !== undefined && positional !== flag)
    throw new UsageError(`two topics given: '${positional}' and --topic '${flag}'`);
  const topic = positional ?? flag;
  if (topic === undefined) throw new UsageError('missing the topic (an argument, or --topic)');
  return topic;
}
