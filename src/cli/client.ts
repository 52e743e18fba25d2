// A small client of the daemon's REST and WebSocket API for the CLI commands.
import WebSocket from 'ws';
import type { StreamMessage } from '../protocol/messages.js';

export interface ClientOptions {
  url: string;
  token?: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function apiGet<T>(opts: ClientOptions, path: string): Promise<T> {
  return apiCall<T>(opts, 'GET', path);
}

export async function apiCall<T>(opts: ClientOptions, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(new URL(path, opts.url), {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the daemon at ${opts.url}: ${(e as Error).cause ?? (e as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  if (!res.ok) throw new ApiError(res.status, (json as { message?: string } | undefined)?.message ?? `${res.status} ${res.statusText}`);
  return json as T;
}

/** Open the stream; calls onMessage for every message (batches unpacked). */
export function openStream(opts: ClientOptions, consoleId: string, from: number | undefined, onMessage: (m: StreamMessage) => void): WebSocket {
  const u = new URL(`/api/v1/consoles/${encodeURIComponent(consoleId)}/stream`, opts.url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.searchParams.set('batch', '1');
  if (from !== undefined) u.searchParams.set('from', String(from));
  const ws = new WebSocket(u, { headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} });
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as StreamMessage | { type: 'batch'; messages: StreamMessage[] };
    if (m.type === 'batch') for (const x of (m as { messages: StreamMessage[] }).messages) onMessage(x);
    else onMessage(m as StreamMessage);
  });
  return ws;
}
