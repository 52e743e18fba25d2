// A scripted Xen on the far end of a real TCP socket, for console-control tests: it switches
// input on CTRL-a x3 (Xen -> DOM0 -> Xen), answers keys with real recorded blocks, can interleave
// dom0 output into an answer, and can play dead.
import type net from 'node:net';
import { TestServer } from '../helpers/sockets.js';
import { loadAnswers } from '../../src/demo/board.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import path from 'node:path';

export interface FakeXenOptions {
  /** Interleave a dom0 line after every `n`th answer line. */
  dom0Every?: number;
  /** Xen ignores everything (hung hypervisor). */
  dead?: boolean;
  /** Xen switches input but never answers keys. */
  mute?: boolean;
}

export class FakeXen {
  readonly server: TestServer;
  focus: 'xen' | 'dom0' = 'dom0';
  readonly received: number[] = [];
  readonly dom0Typed: string[] = [];
  opts: FakeXenOptions;
  private run = 0;
  private sock: net.Socket | undefined;
  private readonly answers = loadAnswers([path.join(FIXTURES_DIR, 'qemu/xen417-arm64-gicv3-smp2-keys.log')]);

  constructor(opts: FakeXenOptions = {}) {
    this.opts = opts;
    this.server = new TestServer({ port: 0 }, (s) => {
      this.sock = s;
      s.on('data', (d: Buffer) => this.onInput(d));
    });
  }

  async start(): Promise<number> {
    await this.server.listen();
    return this.server.port;
  }

  send(text: string): void {
    this.sock?.write(text);
  }

  private onInput(d: Buffer): void {
    for (const b of d) {
      this.received.push(b);
      if (this.opts.dead) continue;
      if (b === 1) {
        if (++this.run === 3) {
          this.run = 0;
          this.focus = this.focus === 'xen' ? 'dom0' : 'xen';
          this.send(`(XEN) *** Serial input to ${this.focus === 'xen' ? 'Xen' : 'DOM0'} (type 'CTRL-a' three times to switch input)\r\n`);
        }
        continue;
      }
      this.run = 0;
      const ch = String.fromCharCode(b);
      if (this.focus === 'dom0') {
        this.dom0Typed.push(ch);
        continue;
      }
      if (this.opts.mute) continue;
      const ans = this.answers.get(ch);
      if (!ans) continue;
      const lines = ans.toString('latin1').split('\r\n').filter(Boolean);
      let out = '';
      lines.forEach((l, i) => {
        out += l + '\r\n';
        if (this.opts.dom0Every && (i + 1) % this.opts.dom0Every === 0) out += `[  ${100 + i}.000000] dom0: busy printing while Xen answers\r\n`;
      });
      // Deliver in a few chunks, like a UART.
      const buf = Buffer.from(out, 'latin1');
      let at = 0;
      const step = () => {
        if (at >= buf.length) return;
        this.sock?.write(buf.subarray(at, at + 700));
        at += 700;
        setTimeout(step, 3);
      };
      setTimeout(step, 20);
    }
  }

  async stop(): Promise<void> {
    await this.server.close();
  }
}
