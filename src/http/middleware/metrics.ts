import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RegistryMetrics, type RegistryMetricsOptions } from './registry-metrics.js';

/** The registry's Prometheus metrics, on a registry of their own (no global state). */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'berth_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'berth_http_request_duration_seconds',
    help: 'HTTP request duration by route and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  readonly bytesReceived = new Counter({ name: 'berth_bytes_received_total', help: 'Blob bytes received.', registers: [this.registry] });
  readonly bytesSent = new Counter({ name: 'berth_bytes_sent_total', help: 'Blob and manifest bytes sent.', registers: [this.registry] });
  readonly uploadSeconds = new Histogram({
    name: 'berth_upload_duration_seconds',
    help: 'Time from opening an upload session to the committed blob.',
    buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });

  /** Storage, GC, push/pull and login metrics (registry-metrics.ts), when the server has a store. */
  readonly activity: RegistryMetrics | undefined;

  constructor(activity?: RegistryMetricsOptions) {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
    this.activity = activity ? new RegistryMetrics(this.registry, activity) : undefined;
  }
}
