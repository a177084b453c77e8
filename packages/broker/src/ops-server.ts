/**
 * The HTTP endpoint on `metrics.port`: /metrics (Prometheus text), /health (liveness: 200 while
 * the process answers) and /ready (readiness: 200 once the logs are loaded, the Kafka listener
 * accepts connections and the group coordinator has loaded its offsets; 503 before that and
 * once shutdown has begun). It starts before the logs are loaded, so an orchestrator can tell
 * "starting" from "dead".
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** Why not, when not ready (shown in the 503 body). */
  reason?: string;
}

export class OpsServer {
  private readonly server: Server;

  constructor(registry: Registry, readiness: () => Readiness) {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      switch (req.url?.split('?')[0]) {
        case '/metrics':
          registry
            .metrics()
            .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
            .catch((err: unknown) => res.writeHead(500).end(`${String(err)}\n`));
          return;
        case '/health':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          return;
        case '/ready': {
          const state = readiness();
          res
            .writeHead(state.ready ? 200 : 503, { 'content-type': 'text/plain' })
            .end(state.ready ? 'ready\n' : `not ready: ${state.reason ?? 'starting'}\n`);
          return;
        }
        default:
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics, /health or /ready\n');
      }
    });
  }

  /** Resolves with the bound port (port 0 picks a free one). */
  listen(host: string, port: number): Promise<number> {
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server.listening) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
