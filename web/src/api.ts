// REST access with the token from localStorage.
export interface Line { seq: number; ts: number; text: string; partial?: boolean; cont?: boolean; cut?: boolean }
export interface Ev { id: number; kind: string; console: string; firstSeq: number; lastSeq: number; ts: number; partial?: boolean; reason?: string; data: Record<string, any> }
export interface Holder { name: string; role: string; since: number }
export interface ConsoleInfo {
  id: string; description?: string; source: { type: string; describe: string }; status: 'up' | 'down'; reason: string; since: number;
  nextSeq: number; counters: Record<string, number>; focus: string; lease: Holder | null;
}
export interface Boot { id: number; firstSeq: number; lastSeq: number | null; ts: number; trigger: string; text: string }
export interface WebConfig { tokens: boolean; anonymous: string }

const TOKEN_KEY = 'xenuart.token';

export function getToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function setToken(t: string): void {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const t = getToken();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, `the daemon is not reachable (${(e as Error).message})`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, json?.message ?? `HTTP ${res.status}`);
  return json as T;
}

export const enc = encodeURIComponent;
