/**
 * Prometheus metrics: requests and latency per API, bytes in and out, connections, partition
 * sizes. Served at /metrics when `metrics.port` is set.
 */
import { createServer, type Server } from 'node:http';
import { Apis } from '@gregor/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const apiName = (key: number): string => (Apis as Record<number, { name: string }>)[key]?.name ?? String(key);

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gregor_requests_total',
    help: 'Requests handled, by API',
    labelNames: ['api'],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'gregor_request_duration_seconds',
    help: 'Time from a request being read to its response being queued, by API',
    labelNames: ['api'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly bytesIn = new Counter({
    name: 'gregor_bytes_in_total',
    help: 'Request bytes read',
    registers: [this.registry],
  });
  readonly bytesOut = new Counter({
    name: 'gregor_bytes_out_total',
    help: 'Response bytes written',
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: 'gregor_connections',
    help: 'Open client connections',
    registers: [this.registry],
  });
  readonly protocolErrors = new Counter({
    name: 'gregor_protocol_errors_total',
    help: 'Connections closed for a malformed or unsupported request',
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: 'gregor_records_in_total',
    help: 'Records appended, by topic',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  private server: Server | undefined;

  constructor(partitionSizes: () => Map<string, number>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'gregor_process_' });
    new Gauge({
      name: 'gregor_partition_size_bytes',
      help: 'Bytes on disk per partition log',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [name, size] of partitionSizes()) this.set({ partition: name.replace('\u0000', '-') }, size);
      },
    });
  }

  observeRequest(apiKey: number, bytes: number, startedNs: bigint): void {
    const api = apiName(apiKey);
    this.requests.inc({ api });
    this.bytesIn.inc(bytes + 4);
    this.latency.observe({ api }, Number(process.hrtime.bigint() - startedNs) / 1e9);
  }

  /** Serves /metrics; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found; try /metrics\n');
        return;
      }
      this.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
