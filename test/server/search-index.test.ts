// The full-text index trails a fast stream (it gets 4 ms in every 100 while data flows) and
// catches up once the console is quiet, so a search after a burst soon uses the index again.
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { listFixtures, readFixture } from '../helpers/fixtures.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

let t: TestDaemon | undefined;
let server: net.Server | undefined;
afterAll(async () => {
  await t?.stop();
  server?.close();
});

async function lag(): Promise<number> {
  const m = /^xenuart_search_index_lag_lines\{console="burst"\} (\d+)$/m.exec(await (await fetch(t!.url + '/metrics')).text());
  if (!m) throw new Error('no index lag metric');
  return Number(m[1]);
}

it('catches up with the full-text index after a 16 MB burst', async () => {
  const corpus = Buffer.concat(listFixtures().filter((f) => f.startsWith('qemu/')).map(readFixture));
  const total = 16 * 1024 * 1024;
  // Like a QEMU chardev: everything at once, then the connection stays open and quiet.
  server = net.createServer((sock) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(corpus.length, total - sent);
        sent += n;
        if (!sock.write(corpus.subarray(0, n))) { sock.once('drain', pump); return; }
      }
    };
    pump();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  t = await startDaemon({ consoles: [{ id: 'burst', source: { type: 'tcp', host: '127.0.0.1', port } }] });
  const rt = t.d.consoles.get('burst')!;
  const deadline = Date.now() + 30_000;
  while (rt.counters.bytesIn < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(rt.counters.bytesIn).toBe(total);
  const behind = await lag();
  // FTS5 needs about 20 ms of CPU per MB here: 16 MB is far more than the 4 % duty of a busy console indexes.
  expect(behind).toBeGreaterThan(10_000);
  // At 4 % the backlog would take 8 s or more; quiet, it goes in under 2 here.
  const quietAt = Date.now();
  while ((await lag()) > 0 && Date.now() - quietAt < 6000) await new Promise((r) => setTimeout(r, 100));
  expect(await lag()).toBe(0);
  // And a search finds text from the end of the burst.
  const res = await (await fetch(t.url + '/api/v1/consoles/burst/lines?q=' + encodeURIComponent('Serial input to') + '&limit=1000')).json() as { lines: Array<{ seq: number }> };
  expect(res.lines.length).toBeGreaterThan(10);
}, 60_000);
