// A telnet (RFC 854/855) client codec for console servers: ser2net telnet ports, QEMU
// `telnet=on` sockets. It sits between the TCP byte stream and the console byte stream:
//
//  decode(): strips every telnet command so that no IAC byte leaks into the console data.
//    IAC IAC is a literal 0xFF; IAC WILL/WONT/DO/DONT <opt> is answered (see below);
//    IAC SB ... IAC SE (subnegotiation, e.g. RFC 2217 COM-PORT replies) is swallowed;
//    the other commands (NOP, GA, DM, BRK, AYT, ...) are dropped. The parser is a byte-level
//    state machine whose state lives in the instance, so a sequence split across TCP chunks
//    (IAC | DO | opt, or IAC | IAC) decodes exactly as if it had arrived in one piece.
//  encode(): escapes 0xFF as IAC IAC on the way out.
//
// Option negotiation follows RFC 854's rule (acknowledge only what changes the state) with
// the per-option state of RFC 1143's Q method, reduced to NO / YES / WANTYES because we
// never ask to turn an option off; this makes negotiation loops impossible.
//  - the server may do (we answer DO to its WILL): ECHO, SUPPRESS-GO-AHEAD, BINARY;
//  - we agree to do (we answer WILL to its DO): BINARY, SUPPRESS-GO-AHEAD;
//  - anything else is refused (DONT / WONT).
// On connect we ask for BINARY both ways (start()), as any 8-bit clean client does.
//
// NVT line endings: while the server has not agreed to send BINARY, a CR on the wire is
// followed by NUL or LF, and "CR NUL" means a bare CR (RFC 854), so the NUL is dropped. The
// same rule applies to what we send while we have not agreed to send BINARY.

export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const BRK = 243;
export const SE = 240;

export const OPT_BINARY = 0;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;

const CR = 13;
const LF = 10;
const NUL = 0;
/** A subnegotiation longer than this is taken as garbage: give the stream back to data. */
const MAX_SB_BYTES = 4096;

const enum State {
  Data,
  /** Seen IAC. */
  Iac,
  /** Seen IAC WILL/WONT/DO/DONT, waiting for the option byte. */
  Option,
  /** Inside IAC SB ..., swallowing. */
  Sub,
  /** Seen IAC inside a subnegotiation. */
  SubIac,
}

type Q = 'no' | 'yes' | 'wantyes';

export interface TelnetPolicy {
  /** Options we want the server to perform (answer DO to WILL). */
  remote: ReadonlySet<number>;
  /** Options we agree to perform (answer WILL to DO). */
  local: ReadonlySet<number>;
}

export const DEFAULT_TELNET_POLICY: TelnetPolicy = {
  remote: new Set([OPT_ECHO, OPT_SGA, OPT_BINARY]),
  local: new Set([OPT_BINARY, OPT_SGA]),
};

export class TelnetCodec {
  private state = State.Data;
  private verb = 0;
  private sbBytes = 0;
  /** The previous data byte was a CR (for CR NUL). Survives chunk boundaries. */
  private afterCr = false;
  private readonly him = new Map<number, Q>();
  private readonly us = new Map<number, Q>();

  /** @param reply where negotiation answers go (written to the socket). */
  constructor(
    private readonly reply: (bytes: Buffer) => void,
    private readonly policy: TelnetPolicy = DEFAULT_TELNET_POLICY,
  ) {}

  /** The requests to send right after connecting: DO BINARY, WILL BINARY. */
  start(): Buffer {
    this.him.set(OPT_BINARY, 'wantyes');
    this.us.set(OPT_BINARY, 'wantyes');
    return Buffer.from([IAC, DO, OPT_BINARY, IAC, WILL, OPT_BINARY]);
  }

  /** Is option `opt` enabled on the server's side (it WILL)? */
  remoteEnabled(opt: number): boolean {
    return this.him.get(opt) === 'yes';
  }

  /** Is option `opt` enabled on our side (we WILL)? */
  localEnabled(opt: number): boolean {
    return this.us.get(opt) === 'yes';
  }

  /** Console bytes of one received chunk (possibly empty). Negotiation replies go to `reply`. */
  decode(chunk: Buffer): Buffer {
    const rxBinary = this.remoteEnabled(OPT_BINARY);
    // Fast path: the common chunk is plain data, returned as is (no copy).
    if (this.state === State.Data && !this.afterCr && chunk.indexOf(IAC) === -1 && (rxBinary || chunk.indexOf(CR) === -1)) {
      return chunk;
    }
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case State.Data:
          if (b === IAC) {
            this.state = State.Iac;
          } else if (this.afterCr && b === NUL && !this.remoteEnabled(OPT_BINARY)) {
            this.afterCr = false; // "CR NUL" is a bare CR: drop the NUL
          } else {
            this.afterCr = b === CR;
            out[n++] = b;
          }
          break;
        case State.Iac:
          if (b === IAC) {
            this.afterCr = false;
            out[n++] = IAC; // IAC IAC: a literal 0xFF data byte
            this.state = State.Data;
          } else {
            this.command(b);
          }
          break;
        case State.Option:
          this.state = State.Data;
          this.negotiate(this.verb, b);
          break;
        case State.Sub:
          if (b === IAC) this.state = State.SubIac;
          else if (++this.sbBytes > MAX_SB_BYTES) this.state = State.Data;
          break;
        case State.SubIac:
          if (b === SE) this.state = State.Data; // end of subnegotiation
          else if (b === IAC) this.state = State.Sub; // IAC IAC inside SB: a 0xFF parameter byte
          else this.command(b); // a server that forgot IAC SE: take it as a new command
          break;
      }
    }
    return out.subarray(0, n);
  }

  /** Bytes to send for console bytes `data`: 0xFF doubled, CR NUL outside BINARY. */
  encode(data: Buffer): Buffer {
    const txBinary = this.localEnabled(OPT_BINARY);
    if (data.indexOf(IAC) === -1 && (txBinary || data.indexOf(CR) === -1)) return data;
    const out: number[] = [];
    for (let i = 0; i < data.length; i++) {
      const b = data[i]!;
      out.push(b);
      if (b === IAC) out.push(IAC);
      else if (b === CR && !txBinary && data[i + 1] !== LF) out.push(NUL);
    }
    return Buffer.from(out);
  }

  /** IAC BRK: the telnet BREAK (a server with a real UART turns it into a line break). */
  static breakCommand(): Buffer {
    return Buffer.from([IAC, BRK]);
  }

  /** The byte after an IAC that is not IAC. */
  private command(b: number): void {
    if (b >= WILL && b <= DONT) {
      this.verb = b;
      this.state = State.Option;
    } else if (b === SB) {
      this.sbBytes = 0;
      this.state = State.Sub;
    } else {
      this.state = State.Data; // NOP, DM, GA, BRK, IP, AO, AYT, EC, EL, a stray SE: nothing to do
    }
  }

  private negotiate(verb: number, opt: number): void {
    const remote = verb === WILL || verb === WONT;
    const table = remote ? this.him : this.us;
    const wanted = (remote ? this.policy.remote : this.policy.local).has(opt);
    const state = table.get(opt) ?? 'no';
    const enable = verb === WILL || verb === DO;
    const [yes, no] = remote ? [DO, DONT] : [WILL, WONT];
    if (enable) {
      if (state === 'yes') return; // already on: no answer (this is what stops loops)
      if (wanted) {
        table.set(opt, 'yes');
        if (state === 'no') this.send(yes, opt); // 'wantyes': this was the answer to our request
      } else {
        this.send(no, opt); // refuse; the option stays off
      }
    } else {
      if (state === 'no') return;
      table.set(opt, 'no');
      if (state === 'yes') this.send(no, opt); // acknowledge the switch-off; 'wantyes': refused, fine
    }
  }

  private send(verb: number, opt: number): void {
    this.reply(Buffer.from([IAC, verb, opt]));
  }
}
