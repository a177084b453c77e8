/** DeleteTopics (20), v0-6: deletes topics by name, or by id from v6; their logs are removed. */
import { ApiKey, ErrorCode, ZERO_UUID } from '@gregor/protocol';
import { defineHandler } from './handler.js';

export default defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const { broker } = ctx;
    const wanted =
      ctx.apiVersion >= 6
        ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : req.topicNames.map((name) => ({ name: name as string | null, topicId: ZERO_UUID }));
    const responses = [];
    for (const w of wanted) {
      const topic =
        w.topicId !== ZERO_UUID ? broker.metadata.topicById(w.topicId) : broker.metadata.topic(w.name ?? '');
      const result = (errorCode: number, errorMessage: string | null = null) => ({
        name: topic?.name ?? w.name,
        topicId: topic?.topicId ?? w.topicId,
        errorCode,
        errorMessage,
      });
      if (!broker.config.bool('delete.topic.enable'))
        responses.push(result(ErrorCode.TOPIC_DELETION_DISABLED, 'delete.topic.enable is false'));
      else if (!topic)
        responses.push(
          result(w.topicId !== ZERO_UUID ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
        );
      else {
        await broker.metadata.deleteTopic(topic.name);
        broker.logger.info({ topic: topic.name }, 'deleted topic');
        responses.push(result(ErrorCode.NONE));
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
