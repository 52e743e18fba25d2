// The REST API and WebSocket upgrade against a real daemon replaying a real capture instantly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFixture } from '../helpers/fixtures.js';
import { decodeText } from '../../src/decoders/engine.js';
import { startDaemon, WsCollector, type TestDaemon } from '../helpers/daemon.js';

const FIXTURE = 'qemu/xen417-arm64-gicv3-smp2-keys.log';
const TOKENS = { viewer: 'viewer-token-123', operator: 'operator-token-123', admin: 'admin-token-1234' };
let t: TestDaemon;

async function call(method: string, path: string, opts: { token?: string; body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(t.url + path, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body,
  });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}
const get = (path: string, token: string | undefined = TOKENS.viewer) => call('GET', path, { token });

beforeAll(async () => {
  t = await startDaemon({
    auth: { tokens: [
      { name: 'val', token: TOKENS.viewer, role: 'viewer' },
      { name: 'otto', token: TOKENS.operator, role: 'operator' },
      { name: 'ada', token: TOKENS.admin, role: 'admin' },
    ] },
    consoles: [{ id: 'keys', source: { type: 'replay', file: FIXTURE, speed: 0 } }],
  });
  // Wait until the replay has been ingested completely.
  const total = readFixture(FIXTURE).toString('latin1').split('\n').length - 1;
  for (let i = 0; i < 200; i++) {
    const r = await get('/api/v1/consoles/keys');
    if (r.json?.nextSeq > total) break;
    await new Promise((r2) => setTimeout(r2, 50));
  }
});
afterAll(async () => { await t?.stop(); });

describe('reads', () => {
  it('lists consoles with source, status and counters', async () => {
    const r = await get('/api/v1/consoles');
    expect(r.status).toBe(200);
    expect(r.json.consoles[0]).toMatchObject({ id: 'keys', source: { type: 'replay' }, counters: { bytesIn: readFixture(FIXTURE).length } });
    expect(['up', 'down']).toContain(r.json.consoles[0].status);
  });
  it('gives lines by seq range, text search and time', async () => {
    const r = await get('/api/v1/consoles/keys/lines?from=1&to=2');
    expect(r.json.lines.map((l: any) => l.seq)).toEqual([1, 2]);
    expect(r.json.lines[0].text).toMatch(/^\(XEN\) Xen version 4\.17\.7/);
    const s = await get('/api/v1/consoles/keys/lines?q=' + encodeURIComponent('Serial input to'));
    expect(s.json.lines.map((l: any) => l.seq)).toEqual([92, 384, 713]);
    const since = r.json.lines[0].ts;
    const tr = await get(`/api/v1/consoles/keys/lines?since=${since}&limit=3`);
    expect(tr.json.lines.length).toBe(3);
    expect(tr.json.more).toBe(true);
    const iso = await get(`/api/v1/consoles/keys/lines?since=${encodeURIComponent(new Date(since).toISOString())}&limit=1`);
    expect(iso.status).toBe(200);
  });
  it('gives the raw bytes byte-exact', async () => {
    const res = await fetch(t.url + '/api/v1/consoles/keys/raw', { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer()).equals(readFixture(FIXTURE))).toBe(true);
    const part = await fetch(t.url + '/api/v1/consoles/keys/raw?from=2&to=2', { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(Buffer.from(await part.arrayBuffer()).toString()).toBe('(XEN) build-id: 7a23ea1ef3374f2c4453d67a7962e1d695e9f270\r\n');
  });
  it('gives boots and events', async () => {
    const b = await get('/api/v1/consoles/keys/boots');
    expect(b.json.boots[0]).toMatchObject({ id: 1, firstSeq: 1, trigger: 'xen' });
    const e = await get('/api/v1/consoles/keys/events?kind=boot.start,status');
    expect(e.json.events.map((x: any) => x.kind)).toContain('boot.start');
    const p = await get('/api/v1/consoles/keys/events?kind=boot.*&boot=1');
    expect(p.json.events.length).toBe(1);
  });
  it('sends events as the decoders made them (the stored JSON, sent as it is)', async () => {
    // Receive times differ (decodeText has none): compared without them.
    const noTs = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (k === 'ts' ? undefined : x)));
    const want = decodeText(readFixture(FIXTURE), 'keys');
    const all = await get('/api/v1/consoles/keys/events?limit=100000');
    expect(all.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const decoded = all.json.events.filter((e: any) => e.kind !== 'status');
    expect(decoded.length).toBe(want.length);
    // The live pipeline saw the end of input later than decodeText: compare what both had whole.
    for (const [i, e] of decoded.entries()) {
      expect(e).toMatchObject({ id: expect.any(Number), kind: want[i].kind, console: 'keys', firstSeq: want[i].firstSeq, lastSeq: want[i].lastSeq });
      if (!want[i].partial) expect(noTs(e.data)).toEqual(noTs(want[i].data));
    }
    const none = await get('/api/v1/consoles/keys/events?kind=no.such.kind');
    expect(none.text).toBe('{"events":[]}');
    const newest = await get('/api/v1/consoles/keys/events?kind=xen.regs,xen.gic.lrs&order=desc&limit=3');
    expect(newest.json.events.map((e: any) => e.id)).toEqual(decoded.filter((e: any) => ['xen.regs', 'xen.gic.lrs'].includes(e.kind)).map((e: any) => e.id).reverse().slice(0, 3));
    // Paging with after=<last id>: every event once, in order, whatever the page size.
    const paged: any[] = [];
    for (let after = 0; ;) {
      const page = (await get(`/api/v1/consoles/keys/events?limit=7&after=${after}`)).json.events;
      if (page.length === 0) break;
      paged.push(...page);
      after = page.at(-1).id;
    }
    expect(paged.map((e) => e.id)).toEqual(all.json.events.map((e: any) => e.id));
    const kindPage = (await get(`/api/v1/consoles/keys/events?kind=xen.regs&limit=2&after=${decoded.find((e: any) => e.kind === 'xen.regs').id}`)).json.events;
    expect(kindPage.map((e: any) => e.id)).toEqual(decoded.filter((e: any) => e.kind === 'xen.regs').slice(1, 3).map((e: any) => e.id));
    const bad = await get('/api/v1/consoles/keys/events?after=3&order=desc');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^querystring\.after: /);
  });
  it('serves health, metrics and the OpenAPI document', async () => {
    expect((await call('GET', '/healthz')).json.ok).toBe(true);
    const m = await get('/metrics');
    expect(m.text).toMatch(/xenuart_bytes_in_total\{console="keys"\} \d+/);
    expect(m.text).toMatch(/xenuart_clients\{console="keys"\}/);
    // Every chunk read is observed: from its read to its lines' send.
    const count = Number(/^xenuart_publish_seconds_count\{console="keys"\} (\d+)$/m.exec(m.text)?.[1]);
    expect(count).toBeGreaterThan(0);
    expect(m.text).toMatch(new RegExp(`^xenuart_publish_seconds_bucket\\{le="0.05",console="keys"\\} ${count}$`, 'm'));
    const doc = await get('/docs/json');
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/api/v1/consoles', '/api/v1/consoles/{id}/lines', '/api/v1/consoles/{id}/raw', '/api/v1/consoles/{id}/events']));
  });
});

describe('bad requests get a 4xx naming the problem, never a 500', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['GET', '/api/v1/consoles/nope', 404, /no console "nope"/],
    ['GET', '/api/v1/consoles/bad!id', 400, /params\.id/],
    ['GET', '/api/v1/consoles/keys/lines?from=abc', 400, /querystring\.from/],
    ['GET', '/api/v1/consoles/keys/lines?from=-1', 400, /querystring\.from/],
    ['GET', '/api/v1/consoles/keys/lines?limit=0', 400, /querystring\.limit/],
    ['GET', '/api/v1/consoles/keys/lines?order=sideways', 400, /querystring\.order/],
    ['GET', '/api/v1/consoles/keys/lines?frm=1', 400, /querystring.*frm/],
    ['GET', '/api/v1/consoles/keys/lines?from=5&to=2', 400, /to: must be >= from/],
    ['GET', '/api/v1/consoles/keys/lines?since=yesterday', 400, /querystring\.since/],
    ['GET', '/api/v1/consoles/keys/lines?q=', 400, /querystring\.q/],
    ['GET', '/api/v1/consoles/nope/lines', 404, /no console/],
    ['GET', '/api/v1/consoles/keys/raw?to=x', 400, /querystring\.to/],
    ['GET', '/api/v1/consoles/keys/raw?from=9&to=3', 400, /must be >= from/],
    ['GET', '/api/v1/consoles/nope/raw', 404, /no console/],
    ['GET', '/api/v1/consoles/nope/boots', 404, /no console/],
    ['GET', '/api/v1/consoles/keys/events?boot=first', 400, /querystring\.boot/],
    ['GET', '/api/v1/consoles/keys/events?limit=1000001', 400, /querystring\.limit/],
    ['GET', '/api/v1/consoles/nope/events', 404, /no console/],
    ['GET', '/api/v1/nothing', 404, /no route/],
  ];
  for (const [method, path, status, msg] of cases) {
    it(`${method} ${path} -> ${status}`, async () => {
      const r = await call(method, path, { token: TOKENS.viewer });
      expect(r.status).toBe(status);
      expect(r.json.message).toMatch(msg);
    });
  }
  it('POST bodies: wrong type, missing field, extra field, broken JSON, too large', async () => {
    const post = (body: string) => call('POST', '/api/v1/consoles/keys/notes', { token: TOKENS.operator, body });
    expect((await post('{"text": 5}')).json.message).toMatch(/body\.text/);
    expect((await post('{}')).json.message).toMatch(/body.*text/);
    expect((await post('{"text":"a","x":1}')).json.message).toMatch(/body.*x/);
    const broken = await post('{"text":');
    expect(broken.status).toBe(400);
    expect((await post(JSON.stringify({ text: 'x'.repeat(3000) }))).json.message).toMatch(/body\.text/);
    const huge = await post(JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
  });
});

describe('roles and tokens', () => {
  it('every route needs a token once tokens are configured', async () => {
    for (const p of ['/api/v1/consoles', '/api/v1/consoles/keys/lines', '/api/v1/consoles/keys/raw', '/metrics', '/docs/json']) {
      const r = await call('GET', p);
      expect(r.status, p).toBe(401);
    }
    // And every route the OpenAPI document lists, whatever its method: a route added later is covered.
    const doc = (await call('GET', '/docs/json', { token: TOKENS.viewer })).json as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => [m.toUpperCase(), p.replace(/\{id\}/g, 'keys')] as const));
    expect(routes.length).toBeGreaterThan(15);
    expect(routes).toContainEqual(['GET', '/api/v1/consoles/keys/events/open']);
    for (const [m, p] of routes) {
      const r = await call(m, p, m === 'GET' ? {} : { body: '{}' });
      expect(r.status, `${m} ${p}`).toBe(401);
    }
    expect((await call('GET', '/api/v1/consoles', { token: 'wrong-token-xyz' })).status).toBe(401);
    expect((await call('GET', '/api/v1/consoles', { headers: { authorization: 'Basic abc' } })).json.message).toMatch(/Bearer/);
  });
  it('a viewer cannot use an operator route; an operator can', async () => {
    const v = await call('POST', '/api/v1/consoles/keys/notes', { token: TOKENS.viewer, body: '{"text":"hello"}' });
    expect(v.status).toBe(403);
    expect(v.json.message).toMatch(/needs role operator/);
    const o = await call('POST', '/api/v1/consoles/keys/notes', { token: TOKENS.operator, body: '{"text":"flashed new dtb"}' });
    expect(o.status).toBe(200);
    expect(o.json).toMatchObject({ kind: 'note', data: { text: 'flashed new dtb', by: 'otto' } });
    // Text beyond ASCII comes back unchanged from the stored JSON.
    const text = 'naïve µs ☃ \u{1f600} "quoted" \\ back';
    expect((await call('POST', '/api/v1/consoles/keys/notes', { token: TOKENS.operator, body: JSON.stringify({ text }) })).status).toBe(200);
    const notes = await get('/api/v1/consoles/keys/events?kind=note&order=desc&limit=1');
    expect(notes.json.events[0].data.text).toBe(text);
  });
});

describe('WebSocket upgrade', () => {
  const path = '/api/v1/consoles/keys/stream';
  it('refuses a foreign Origin', async () => {
    const c = new WsCollector(`${t.url}${path}?token=${TOKENS.viewer}`, { headers: { origin: 'https://evil.example' } });
    await expect(c.opened).rejects.toThrow(/403/);
  });
  it('accepts the same-host Origin and clients with no Origin', async () => {
    const host = new URL(t.url).host;
    const c = new WsCollector(`${t.url}${path}?token=${TOKENS.viewer}&from=1`, { headers: { origin: `http://${host}` } });
    await c.opened;
    await c.until((x) => x.messages.some((m) => m.type === 'live'));
    expect(c.messages[0]).toMatchObject({ type: 'hello', protocol: 1, console: 'keys', role: 'viewer' });
    c.close();
  });
  it('refuses a missing token, an unknown console and a bad from', async () => {
    await expect(new WsCollector(`${t.url}${path}`).opened).rejects.toThrow(/401/);
    await expect(new WsCollector(`${t.url}/api/v1/consoles/nope/stream?token=${TOKENS.viewer}`).opened).rejects.toThrow(/404/);
    await expect(new WsCollector(`${t.url}${path}?from=x&token=${TOKENS.viewer}`).opened).rejects.toThrow(/400/);
  });
});
