/**
 * What a request handler is: one API key, the versions it serves, and a function from the
 * decoded request to the response body. Handlers are registered in handlers/index.ts; ApiVersions
 * is derived from that registry, so the broker never advertises what it cannot answer.
 */
import type { ApiKeyNumber, RequestHeader, RequestOf, ResponseInputOf } from '@gregor/protocol';
import type { Broker } from '../broker.js';

export interface RequestContext {
  apiVersion: number;
  header: RequestHeader;
  /** Identifies the connection (for logs and fetch sessions). */
  connectionId: string;
  clientAddress: string;
  /** Aborted when the connection closes or the broker stops: long polls end early. */
  signal: AbortSignal;
  broker: Broker;
}

/** A response body, or `null` for requests answered with no response at all (Produce with acks=0). */
export type HandlerResult<K extends ApiKeyNumber> = ResponseInputOf<K> | null;

export interface Handler<K extends ApiKeyNumber = ApiKeyNumber> {
  apiKey: K;
  minVersion: number;
  maxVersion: number;
  handle(ctx: RequestContext, request: RequestOf<K>): Promise<HandlerResult<K>> | HandlerResult<K>;
}

export function defineHandler<K extends ApiKeyNumber>(handler: Handler<K>): Handler<K> {
  return handler;
}
