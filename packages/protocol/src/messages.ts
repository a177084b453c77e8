/**
 * Whole Kafka messages: a size prefix, a header, and a body encoded by the generated codec.
 * Request header v0/v1/v2 and response header v0/v1 are chosen per API version as Kafka does.
 */
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { Apis, ApiKey, type ApiMessages } from './generated/apis.js';
import { readRequestHeader, writeRequestHeader, type RequestHeader } from './generated/headers/RequestHeader.js';
import { readResponseHeader, writeResponseHeader } from './generated/headers/ResponseHeader.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';

export type ApiKeyNumber = keyof ApiMessages;
export type RequestOf<K extends ApiKeyNumber> = ApiMessages[K]['request'];
export type RequestInputOf<K extends ApiKeyNumber> = ApiMessages[K]['requestInput'];
export type ResponseOf<K extends ApiKeyNumber> = ApiMessages[K]['response'];
export type ResponseInputOf<K extends ApiKeyNumber> = ApiMessages[K]['responseInput'];

type AnyApi = (typeof Apis)[ApiKeyNumber];

/** The descriptor of an API key, or undefined for a key Kafka does not define. */
export function apiFor(apiKey: number): AnyApi | undefined {
  return Object.hasOwn(Apis, apiKey) ? Apis[apiKey as ApiKeyNumber] : undefined;
}

function checkedApi(apiKey: number, apiVersion: number): AnyApi {
  const api = apiFor(apiKey);
  if (!api) throw new ProtocolError(ProtocolErrorCode.UnknownApiKey, `unknown API key ${apiKey}`);
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion)
    throw new ProtocolError(
      ProtocolErrorCode.UnsupportedVersion,
      `${api.name} version ${apiVersion} is outside ${api.minVersion}-${api.maxVersion}`,
    );
  return api;
}

export const isFlexible = (api: AnyApi, apiVersion: number): boolean =>
  api.flexibleMinVersion >= 0 && apiVersion >= api.flexibleMinVersion;

/** Request header version: 2 for flexible versions, else 1 (0 for ControlledShutdown v0, as in Kafka). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = checkedApi(apiKey, apiVersion);
  if (isFlexible(api, apiVersion)) return 2;
  return apiKey === ApiKey.ControlledShutdown && apiVersion === 0 ? 0 : 1;
}

/** Response header version: 1 for flexible versions, else 0; ApiVersions always answers with v0. */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  const api = checkedApi(apiKey, apiVersion);
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(api, apiVersion) ? 1 : 0;
}

/** The fixed start of every request header, readable before the API and version are validated. */
export interface RequestPreamble {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** Reads api key, version and correlation id from a request frame (without its size prefix). */
export function peekRequestPreamble(frame: Buffer): RequestPreamble {
  const r = new Reader(frame);
  return { apiKey: r.readInt16(), apiVersion: r.readInt16(), correlationId: r.readInt32() };
}

export interface DecodedRequest<K extends ApiKeyNumber = ApiKeyNumber> {
  apiKey: K;
  apiVersion: number;
  header: RequestHeader;
  body: RequestOf<K>;
}

/** Decodes a request frame (without its size prefix). Throws ProtocolError for an unknown key or version. */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const { apiKey, apiVersion } = peekRequestPreamble(frame);
  const api = checkedApi(apiKey, apiVersion);
  const r = new Reader(frame);
  const header = readRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
  const body = api.readRequest(r, apiVersion);
  return { apiKey: apiKey as ApiKeyNumber, apiVersion, header, body };
}

export interface RequestHeaderFields {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Encodes a request with its size prefix, as chunks ready for a socket. */
export function encodeRequest<K extends ApiKeyNumber>(
  header: RequestHeaderFields & { apiKey: K },
  body: RequestInputOf<K>,
): Buffer[] {
  const api = checkedApi(header.apiKey, header.apiVersion);
  const w = new Writer(256);
  const size = w.reserveInt32();
  writeRequestHeader(w, requestHeaderVersion(header.apiKey, header.apiVersion), {
    requestApiKey: header.apiKey,
    requestApiVersion: header.apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
  });
  (api.writeRequest as (w: Writer, v: number, b: RequestInputOf<K>) => void)(w, header.apiVersion, body);
  w.patchInt32(size, w.length - 4);
  return w.toChunks();
}

/** Encodes a response with its size prefix, as chunks ready for a socket. */
export function encodeResponse<K extends ApiKeyNumber>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInputOf<K>,
): Buffer[] {
  const api = checkedApi(apiKey, apiVersion);
  const w = new Writer(256);
  const size = w.reserveInt32();
  writeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  (api.writeResponse as (w: Writer, v: number, b: ResponseInputOf<K>) => void)(w, apiVersion, body);
  w.patchInt32(size, w.length - 4);
  return w.toChunks();
}

/** Decodes a response frame (without its size prefix) for the request it answers. */
export function decodeResponse<K extends ApiKeyNumber>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: ResponseOf<K> } {
  const api = checkedApi(apiKey, apiVersion);
  const r = new Reader(frame);
  const { correlationId } = readResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  return { correlationId, body: api.readResponse(r, apiVersion) as ResponseOf<K> };
}
