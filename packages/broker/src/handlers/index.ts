/** Every request handler this broker has. ApiVersions advertises exactly these, at these versions. */
import apiVersions from './api-versions.js';
import createTopics from './create-topics.js';
import deleteTopics from './delete-topics.js';
import fetch from './fetch.js';
import type { Handler } from './handler.js';
import initProducerId from './init-producer-id.js';
import listOffsets from './list-offsets.js';
import metadata from './metadata.js';
import produce from './produce.js';

export const HANDLERS: readonly Handler<never>[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  apiVersions,
  createTopics,
  deleteTopics,
  initProducerId,
] as unknown as Handler<never>[];
