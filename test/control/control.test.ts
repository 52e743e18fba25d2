// Console control against a scripted Xen on a real TCP socket: focus switching, debug-key answers
// captured and decoded, dom0 output interleaved, a Xen that never answers, lease, roles, audit.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeXen, type FakeXenOptions } from './fake-xen.js';
import { startDaemon, WsCollector, sleep, type TestDaemon } from '../helpers/daemon.js';

const T = { viewer: 'viewer-token-123', op: 'operator-token-123', op2: 'operator2-token-1', admin: 'admin-token-1234' };
let t: TestDaemon | undefined;
let xen: FakeXen | undefined;
afterEach(async () => {
  await t?.stop();
  await xen?.stop();
  t = xen = undefined;
});

async function setup(opts: FakeXenOptions = {}, xenCfg: Record<string, unknown> = {}) {
  xen = new FakeXen(opts);
  const port = await xen.start();
  t = await startDaemon({
    auth: { tokens: [
      { name: 'val', token: T.viewer, role: 'viewer' },
      { name: 'otto', token: T.op, role: 'operator' },
      { name: 'olga', token: T.op2, role: 'operator' },
      { name: 'ada', token: T.admin, role: 'admin' },
    ] },
    consoles: [{ id: 'b', source: { type: 'tcp', host: '127.0.0.1', port }, xen: { quietMs: 300, answerTimeoutMs: 1500, ...xenCfg } }],
  });
  for (let i = 0; i < 100 && xen.server.connections.length === 0; i++) await sleep(10);
  // The board announces where input is, as at the end of a Xen boot.
  xen.send("(XEN) *** Serial input to DOM0 (type 'CTRL-a' three times to switch input)\r\n");
  const rt = t.d.consoles.get('b')!;
  for (let i = 0; i < 100 && rt.focus !== 'dom0'; i++) await sleep(10);
  return rt;
}

async function post(path: string, token: string, body: unknown, method = 'POST') {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(t!.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() as any };
}

describe('focus tracking', () => {
  it('follows "*** Serial input to" lines and shows focus in the console list', async () => {
    const rt = await setup();
    expect(rt.focus).toBe('dom0');
    xen!.send("(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)\r\n");
    await sleep(100);
    const r = await fetch(`${t!.url}/api/v1/consoles`, { headers: { authorization: `Bearer ${T.viewer}` } });
    expect(((await r.json()) as any).consoles[0].focus).toBe('xen');
  });
});

describe('debug keys', () => {
  it('switches to Xen, captures and decodes each answer, switches back to DOM0', async () => {
    await setup();
    const r = await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'hq' });
    expect(r.status).toBe(200);
    expect(r.json.focus).toEqual({ before: 'dom0', during: 'xen', after: 'dom0' });
    expect(r.json.keys.map((k: any) => k.key)).toEqual(['h', 'q']);
    expect(r.json.keys[0].description).toBe('showing installed handlers');
    expect(r.json.keys[0].events.map((e: any) => e.kind)).toEqual(expect.arrayContaining(['xen.handlers', 'xen.debugkey']));
    const q = r.json.keys[1];
    expect(q.lines[0].text).toMatch(/'q' pressed -> dumping domain info/);
    expect(q.events.filter((e: any) => e.kind === 'xen.gic.lrs').length).toBe(2);
    expect(q.events.find((e: any) => e.kind === 'xen.domain').data.domain).toBe(0);
    // The bytes on the wire: CTRL-a x3, h, q, CTRL-a x3.
    expect(Buffer.from(xen!.received).toString('latin1')).toBe('\x01\x01\x01hq\x01\x01\x01');
    expect(xen!.focus).toBe('dom0');
  });

  it('dom0 output interleaved with the answer does not corrupt it', async () => {
    await setup({ dom0Every: 3 });
    const r = await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'd' });
    expect(r.status).toBe(200);
    const d = r.json.keys[0];
    expect(d.lines.every((l: any) => l.text.startsWith('(XEN)'))).toBe(true);
    const regs = d.events.filter((e: any) => e.kind === 'xen.regs');
    expect(regs.length).toBe(2);
    expect(regs.map((e: any) => e.data.cpu).sort()).toEqual([0, 1]);
    for (const e of regs) expect(e.data.regs.PC).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a Xen that never confirms the switch: a clear timeout and nothing else sent', async () => {
    const rt = await setup({ dead: true });
    const t0 = Date.now();
    const r = await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'q' });
    expect(r.status).toBe(504);
    expect(r.json.message).toMatch(/did not confirm the input switch/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(rt.focus).toBe('dom0');
    // The lease taken for the request is released again.
    expect((await post('/api/v1/consoles/b/lease', T.op2, {})).status).toBe(200);
  });

  it('a Xen that switches but never answers the key: timeout, and input switched back', async () => {
    const rt = await setup({ mute: true });
    const r = await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'q' });
    expect(r.status).toBe(504);
    expect(r.json.message).toMatch(/did not answer key 'q'/);
    expect(rt.focus).toBe('dom0');
    expect(xen!.focus).toBe('dom0');
  });

  it('roles: viewer refused, dangerous keys need admin and confirm; rate limit', async () => {
    await setup({}, { keysPerMinute: 3 });
    expect((await post('/api/v1/consoles/b/xen/keys', T.viewer, { keys: 'q' })).status).toBe(403);
    const r1 = await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'R' });
    expect(r1.status).toBe(403);
    expect(r1.json.message).toMatch(/'R' reboots the machine: needs role admin/);
    const r2 = await post('/api/v1/consoles/b/xen/keys', T.admin, { keys: 'R' });
    expect(r2.status).toBe(400);
    expect(r2.json.message).toMatch(/confirm: true/);
    expect(xen!.received.length).toBe(0);
    expect((await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'bad key' })).status).toBe(400);
    for (let i = 0; i < 3; i++) expect((await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'h' })).status).toBe(200);
    const limited = await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'h' });
    expect(limited.status).toBe(429);
  });
});

describe('write lease and input', () => {
  it('one writer: take, refuse others, force by admin tells the previous holder, release', async () => {
    await setup();
    const otto = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?token=${T.op}`);
    const val = new WsCollector(`${t!.url}/api/v1/consoles/b/stream?token=${T.viewer}`);
    await otto.opened;
    await val.opened;
    expect((await post('/api/v1/consoles/b/lease', T.viewer, {})).status).toBe(403);
    expect((await post('/api/v1/consoles/b/lease', T.op, {})).json.holder.name).toBe('otto');
    const taken = await post('/api/v1/consoles/b/lease', T.op2, {});
    expect(taken.status).toBe(409);
    expect(taken.json.message).toMatch(/held by "otto"/);
    expect((await post('/api/v1/consoles/b/lease', T.op2, { force: true })).status).toBe(403);
    // Input: only from the holder; a viewer's WebSocket input is refused and nothing is sent.
    val.ws.send(JSON.stringify({ type: 'input', data: 'reboot\r' }));
    otto.ws.send(JSON.stringify({ type: 'input', data: 'uname -a\r' }));
    await otto.until(() => xen!.dom0Typed.join('') === 'uname -a\r', 5000, 'input at the board');
    await val.until((c) => c.messages.some((m: any) => m.type === 'error'), 5000, 'error to the viewer');
    expect((val.messages.find((m: any) => m.type === 'error') as any).message).toMatch(/operator/);
    expect(xen!.dom0Typed.join('')).toBe('uname -a\r');
    // Admin takes it over; otto is told.
    expect((await post('/api/v1/consoles/b/lease', T.admin, { force: true })).json.holder.name).toBe('ada');
    await otto.until((c) => c.messages.some((m: any) => m.type === 'lease' && m.action === 'force'), 5000, 'lease message');
    expect((otto.messages.find((m: any) => m.type === 'lease' && m.action === 'force') as any).previous.name).toBe('otto');
    const refused = await post('/api/v1/consoles/b/input', T.op, { data: 'ls\r' });
    expect(refused.status).toBe(409);
    expect((await post('/api/v1/consoles/b/lease', T.admin, undefined, 'DELETE')).json.holder).toBeNull();
    otto.close();
    val.close();
  });

  it('refuses typed input while focus is on Xen unless the client means it', async () => {
    await setup();
    xen!.focus = 'xen';
    xen!.send("(XEN) *** Serial input to Xen (type 'CTRL-a' three times to switch input)\r\n");
    await sleep(100);
    await post('/api/v1/consoles/b/lease', T.op, {});
    const r = await post('/api/v1/consoles/b/input', T.op, { data: 'cat /proc/interrupts\r' });
    expect(r.status).toBe(409);
    expect(r.json.message).toMatch(/serial input is on Xen/);
    expect(xen!.received.length).toBe(0);
    expect((await post('/api/v1/consoles/b/input', T.op, { data: 'h', force: true })).status).toBe(200);
    await sleep(100);
    expect(Buffer.from(xen!.received).toString()).toBe('h');
  });

  it('writes audit records naming the token for every write and lease change', async () => {
    await setup();
    await post('/api/v1/consoles/b/lease', T.op, {});
    await post('/api/v1/consoles/b/input', T.op, { data: 'echo hi\r' });
    await post('/api/v1/consoles/b/lease', T.op, undefined, 'DELETE');
    await post('/api/v1/consoles/b/xen/keys', T.op, { keys: 'h' });
    const r = await fetch(`${t!.url}/api/v1/consoles/b/events?kind=audit`, { headers: { authorization: `Bearer ${T.viewer}` } });
    const audit = ((await r.json()) as any).events.map((e: any) => [e.data.action, e.data.by]);
    expect(audit).toEqual([['lease.take', 'otto'], ['input', 'otto'], ['lease.release', 'otto'], ['lease.take', 'otto'], ['keys', 'otto'], ['lease.release', 'otto']]);
  });

  it('BREAK: refused on a raw TCP source with a clear reason', async () => {
    await setup();
    await post('/api/v1/consoles/b/lease', T.op, {});
    const r = await post('/api/v1/consoles/b/break', T.op, { ms: 100 });
    expect(r.status).toBe(409);
    expect(r.json.message).toMatch(/cannot send a BREAK/);
  });
});
