// Prometheus metrics (prom-client), read from the consoles' and hubs' counters at scrape time,
// so the hot path only increments plain numbers.
import client from 'prom-client';
import type { Daemon } from './daemon.js';

export function createMetrics(d: Daemon): client.Registry {
  const reg = new client.Registry();
  // Event-loop delay sampled every 1 ms (default 10 ms): a stall of a few ms is what a reader of
  // a live console feels, so the p99 has to resolve it.
  client.collectDefaultMetrics({ register: reg, prefix: 'xenuart_process_', eventLoopMonitoringPrecision: 1 });
  const counter = (name: string, help: string, read: (id: string) => number) => {
    const last = new Map<string, number>();
    new client.Counter({
      name, help, labelNames: ['console'], registers: [reg],
      collect() {
        for (const id of d.consoles.keys()) {
          const v = read(id);
          const delta = v - (last.get(id) ?? 0);
          if (delta > 0) this.labels(id).inc(delta);
          else if (!last.has(id)) this.labels(id).inc(0);
          last.set(id, v);
        }
      },
    });
  };
  const gauge = (name: string, help: string, read: (id: string) => number) => {
    new client.Gauge({
      name, help, labelNames: ['console'], registers: [reg],
      collect() { for (const id of d.consoles.keys()) this.labels(id).set(read(id)); },
    });
  };
  const rt = (id: string) => d.consoles.get(id)!;
  counter('xenuart_bytes_in_total', 'Bytes received from the UART', (id) => rt(id).counters.bytesIn);
  counter('xenuart_lines_total', 'Lines framed', (id) => rt(id).counters.lines);
  counter('xenuart_events_total', 'Events decoded', (id) => rt(id).counters.events);
  counter('xenuart_reconnects_total', 'Times the source was reopened after a loss', (id) => rt(id).counters.reconnects);
  counter('xenuart_queue_drops_total', 'Messages dropped for slow clients', (id) => d.hubs.get(id)!.counters.queueDrops);
  counter('xenuart_gaps_total', 'Gap messages sent to slow clients', (id) => d.hubs.get(id)!.counters.gaps);
  counter('xenuart_slow_clients_closed_total', 'Clients closed for not draining', (id) => d.hubs.get(id)!.counters.slowClosed);
  counter('xenuart_bytes_out_total', 'Bytes written to the UART', (id) => rt(id).counters.writes);
  gauge('xenuart_clients', 'Connected WebSocket clients', (id) => d.hubs.get(id)!.size);
  gauge('xenuart_console_up', '1 when the source is up', (id) => (rt(id).status.up ? 1 : 0));
  gauge('xenuart_store_raw_bytes', 'Raw bytes kept on disk', (id) => rt(id).store.rawBytesKept);
  // The daemon's own part of a line's latency: from a chunk's read to its lines' send.
  const publish = new client.Histogram({
    name: 'xenuart_publish_seconds',
    help: "From a chunk read off the console to its lines sent to the WebSocket clients (the daemon's part of a line's latency)",
    labelNames: ['console'], registers: [reg],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
  });
  for (const [id, c] of d.consoles) {
    const h = publish.labels(id);
    c.publishObserver = (s) => h.observe(s);
  }
  gauge('xenuart_search_index_lag_lines', 'Lines not yet in the full-text index', (id) => rt(id).store.ftsLag);
  return reg;
}
