/** Options every client (producer, consumer, admin) shares, with Kafka's defaults. */

export interface ClientOptions {
  /** Bootstrap brokers, `host:port`; any one reachable is enough. */
  brokers: readonly string[];
  /** Sent with every request (`client.id`). Default `gregor-client`. */
  clientId?: string;
  /** Default 10 000 (`socket.connection.setup.timeout.max.ms` is 30 s in Java; we fail faster). */
  connectTimeoutMs?: number;
  /** Time to wait for any response before the connection is closed (`request.timeout.ms`). Default 30 000. */
  requestTimeoutMs?: number;
  /** Requests pipelined on one connection (`max.in.flight.requests.per.connection`). Default 5. */
  maxInFlightRequests?: number;
  /** Metadata is refreshed at least this often (`metadata.max.age.ms`). Default 300 000. */
  metadataMaxAgeMs?: number;
  /** First retry delay, doubling per attempt up to `retryBackoffMaxMs` (Kafka's `retry.backoff.ms`). Default 100. */
  retryBackoffMs?: number;
  /** Default 1 000 (`retry.backoff.max.ms`). */
  retryBackoffMaxMs?: number;
}

export type ResolvedClientOptions = Required<ClientOptions>;

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  return {
    brokers: o.brokers,
    clientId: o.clientId ?? 'gregor-client',
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
    maxInFlightRequests: o.maxInFlightRequests ?? 5,
    metadataMaxAgeMs: o.metadataMaxAgeMs ?? 300_000,
    retryBackoffMs: o.retryBackoffMs ?? 100,
    retryBackoffMaxMs: o.retryBackoffMaxMs ?? 1_000,
  };
}

/** Splits `host:port` (IPv6 in brackets: `[::1]:9092`). */
export function parseHostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`broker address "${address}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}
