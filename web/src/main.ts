// xenuart web page: console list, live terminal with history, decoded panels, debug keys, lease,
// diagnosis. Plain TypeScript and DOM; the daemon's REST + WebSocket API (docs/protocol.md).
import '@xterm/xterm/css/xterm.css';
import './style.css';
import { api, ApiError, enc, getToken, setToken, type ConsoleInfo, type Ev, type Holder, type Line, type WebConfig } from './api';
import { DANGEROUS_KEYS } from '../../src/control/keys';
import { CRASH_KINDS } from '../../src/protocol/crash-kinds';
import { ConsoleStream } from './stream';
import { TermView } from './term';
import { h, clear, fmtClock, fmtTime, plural } from './util';
import { crashItem, findingView, interruptsDiff, irqSetupView, isCrash, keyAnswer, lrsView, regsView, seqLink, timelineView, type Finding } from './panels';

const RANK: Record<string, number> = { viewer: 1, operator: 2, admin: 3 };
// Xen debug keys that change the machine or Xen's state: the daemon's own list (needs admin + confirm).
const DANGEROUS: Record<string, string> = DANGEROUS_KEYS;
// Until the board's `h` list is seen: the keys Xen on ARM has.
const DEFAULT_KEYS: Array<[string, string]> = [
  ['h', 'show this message'], ['q', 'dump domain (and guest debug) info'], ['d', 'dump registers'], ['0', 'dump Dom0 registers'], ['r', 'dump run queues'],
  ['a', 'dump timer queues'], ['e', 'dump evtchn info'], ['g', 'print grant table usage'], ['m', 'memory info'], ['t', 'display multi-cpu clock info'],
  ['H', 'dump heap info'], ['w', 'synchronously dump console ring buffer (dmesg)'], ['*', 'print all diagnostics'], ['R', 'reboot machine'],
];
const KINDS = [...CRASH_KINDS, 'xen.regs', 'xen.gic.lrs', 'linux.interrupts', 'xen.milestone', 'xen.boot',
  'xen.handlers', 'xen.debugkey', 'linux.irq.setup'];
const TABS: Array<[string, string]> = [['keys', 'Keys'], ['crashes', 'Panics'], ['boot', 'Boot'], ['regs', 'Registers'], ['lrs', 'GIC LRs'], ['irqs', 'Interrupts'], ['diag', 'Diagnosis']];

interface State {
  cfg: WebConfig & { conswitch?: Record<string, string> };
  consoles: ConsoleInfo[];
  cur: string | null;
  role: string | null;
  holder: Holder | null;
  you: boolean;
  focus: string;
  events: Map<number, Ev>;
  /** Blocks the decoders hold open (GET .../events/open): a kernel hung while setting up its interrupts. */
  open: Ev[];
  stream: ConsoleStream | null;
  connected: boolean;
  forceInput: boolean;
  tab: string;
  keyBusy: boolean;
  pending: Map<string, (m: any) => void>;
  answer: HTMLElement | null;
  diag: { loaded: boolean; findings: Finding[] | null; message: string; running: boolean; at: number };
  sel: { boot?: number; regs?: number; lrs?: number; irqA?: number; irqB?: number; onlyChanged: boolean };
}

const S: State = {
  cfg: { tokens: false, anonymous: 'viewer' }, consoles: [], cur: null, role: null, holder: null, you: false, focus: 'unknown', events: new Map(), open: [],
  stream: null, connected: false, forceInput: false, tab: 'keys', keyBusy: false, pending: new Map(), answer: null,
  diag: { loaded: false, findings: null, message: '', running: false, at: 0 }, sel: { onlyChanged: true },
};

// ---------- layout ----------
const el = {
  consoles: h('nav', { class: 'consoles', 'data-testid': 'console-list', 'aria-label': 'Consoles' }),
  title: h('div', { class: 'cur', 'data-testid': 'current-console' }),
  lease: h('div', { class: 'lease', 'data-testid': 'lease' }),
  role: h('span', { class: 'role', 'data-testid': 'role' }),
  tokenBtn: h('button', { type: 'button', class: 'btn', 'data-testid': 'token-button' }, 'Token'),
  follow: h('button', { type: 'button', class: 'btn', 'data-testid': 'follow' }, 'Pause'),
  older: h('button', { type: 'button', class: 'btn', title: 'Load older lines from the history' }, 'Older'),
  status: h('span', { class: 'view-status', 'data-testid': 'view-status' }),
  search: h('input', { type: 'search', placeholder: 'Search history', 'aria-label': 'Search history', 'data-testid': 'search-input' }),
  results: h('div', { class: 'results', 'data-testid': 'search-results', hidden: true }),
  guard: h('div', { class: 'guard', 'data-testid': 'focus-guard', hidden: true }),
  term: h('div', { class: 'term', 'data-testid': 'terminal' }),
  tabs: h('div', { class: 'tabs', role: 'tablist' }),
  panel: h('div', { class: 'panel', 'data-testid': 'panel' }),
  toast: h('div', { class: 'toast', role: 'status', 'aria-live': 'polite' }),
};

const tokenInput = h('input', { type: 'password', autocomplete: 'off', placeholder: 'token', 'data-testid': 'token-input', 'aria-label': 'Token' });
const tokenMsg = h('p', { class: 'note' });
const tokenDialog = h('dialog', { class: 'dialog', 'data-testid': 'token-dialog' },
  h('form', { method: 'dialog' },
    h('h3', null, 'Access token'),
    tokenMsg,
    tokenInput,
    h('div', { class: 'row end' },
      h('button', { type: 'button', class: 'btn', onclick: () => { setToken(''); location.reload(); } }, 'Forget'),
      h('button', { value: 'cancel', class: 'btn' }, 'Cancel'),
      h('button', { value: 'ok', class: 'btn primary', 'data-testid': 'token-save' }, 'Use token'))));
tokenDialog.addEventListener('close', () => {
  if (tokenDialog.returnValue === 'ok' && tokenInput.value.trim()) {
    setToken(tokenInput.value.trim());
    location.reload();
  }
});

const confirmText = h('p', null);
const confirmDialog = h('dialog', { class: 'dialog', 'data-testid': 'confirm-dialog' },
  h('form', { method: 'dialog' }, h('h3', null, 'Dangerous key'), confirmText,
    h('div', { class: 'row end' }, h('button', { value: 'cancel', class: 'btn' }, 'Cancel'), h('button', { value: 'ok', class: 'btn danger', 'data-testid': 'confirm-ok' }, 'Press it'))));

function askConfirm(text: string): Promise<boolean> {
  confirmText.textContent = text;
  confirmDialog.returnValue = '';
  confirmDialog.showModal();
  return new Promise((resolve) => confirmDialog.addEventListener('close', () => resolve(confirmDialog.returnValue === 'ok'), { once: true }));
}

function openToken(msg: string): void {
  tokenMsg.textContent = msg;
  tokenInput.value = '';
  if (!tokenDialog.open) tokenDialog.showModal();
}

document.getElementById('app')!.append(
  h('header', { class: 'top' }, h('div', { class: 'brand' }, 'xenuart'), el.title, el.lease, h('div', { class: 'who' }, el.role, el.tokenBtn)),
  h('div', { class: 'layout' },
    el.consoles,
    h('section', { class: 'main' },
      h('div', { class: 'toolbar' }, el.follow, el.older, el.status,
        h('form', { class: 'search', onsubmit: (e: Event) => { e.preventDefault(); void search(); } }, el.search, h('button', { class: 'btn', 'data-testid': 'search-button' }, 'Find'))),
      el.results, el.guard, el.term),
    h('aside', { class: 'side' }, el.tabs, el.panel)),
  el.toast, tokenDialog, confirmDialog);

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(msg: string, kind: 'info' | 'error' = 'info'): void {
  el.toast.textContent = msg;
  el.toast.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.toast.className = 'toast'), 5000);
}

// ---------- permissions ----------
const rank = () => RANK[S.role ?? 'viewer'] ?? 1;
const roleName = () => S.role ?? '?';
function cannotOperate(): string | null {
  if (!S.role) return 'not connected';
  if (rank() < RANK.operator) return `needs role operator; your role is ${roleName()}`;
  return null;
}
function keyBlocked(key: string): string | null {
  const r = cannotOperate();
  if (r) return `Debug keys ${r}`;
  if (DANGEROUS[key] && rank() < RANK.admin) return `'${key}' ${DANGEROUS[key]}: needs role admin; your role is ${roleName()}`;
  if (S.holder && !S.you) return `the write lease is held by ${S.holder.name}`;
  if (!S.connected) return 'not connected';
  return null;
}

// ---------- terminal ----------
const view = new TermView(el.term, async (q) => {
  const p = new URLSearchParams({ limit: String(q.limit), order: q.order });
  if (q.from !== undefined) p.set('from', String(q.from));
  if (q.to !== undefined) p.set('to', String(q.to));
  return api<{ lines: Line[]; more: boolean }>('GET', `/api/v1/consoles/${enc(S.cur!)}/lines?${p}`);
});
view.onChange = () => renderViewStatus();
el.follow.addEventListener('click', () => (view.follow && view.atHead ? view.pause() : void view.goLive()));
el.older.addEventListener('click', () => void view.loadOlder());

function renderViewStatus(): void {
  const live = view.follow && view.atHead;
  el.follow.textContent = live ? 'Pause' : 'Follow';
  el.follow.classList.toggle('primary', !live);
  el.follow.title = live ? 'Stop scrolling with new lines' : 'Back to the newest lines, following';
  const hl = view.highlight;
  let s: string;
  if (live) s = `live · line ${view.lastSeq}`;
  else if (hl) s = `at line ${hl.from}${hl.to !== hl.from ? `-${hl.to}` : ''}`;
  else s = `paused · line ${view.lastSeq}`;
  const waiting = view.missed + (view.atHead ? 0 : 0);
  if (!live && view.headSeq > view.lastSeq) s += ` · ${view.headSeq - view.lastSeq} newer`;
  else if (waiting) s += ` · ${waiting} newer`;
  if (!S.connected && S.cur) s += ' · reconnecting';
  el.status.textContent = s;
  el.status.dataset.last = String(view.lastSeq);
}

function jump(from: number, to = from): void {
  void view.jumpTo(from, to).catch((e) => toast(`cannot show line ${from}: ${(e as Error).message}`, 'error'));
}

view.term.onData((data) => {
  const why = cannotOperate();
  if (why) return toast(`Typing ${why}`, 'error');
  if (!S.you) return toast(S.holder ? `The write lease is held by ${S.holder.name}` : 'Take the write lease to type (Lease: Take)', 'error');
  const sw = switchChar();
  const onlySwitch = [...data].every((c) => c === sw);
  if (S.focus === 'xen' && !onlySwitch && !S.forceInput) {
    renderGuard(true);
    return toast('Serial input is on Xen: each character would be a debug key. Switch to dom0 or tick "type to Xen".', 'error');
  }
  if (!S.stream?.send({ type: 'input', data, ...(S.focus === 'xen' && !onlySwitch ? { force: true } : {}) })) toast('not connected', 'error');
});

function switchChar(): string {
  const c = (S.cfg.conswitch?.[S.cur ?? ''] ?? 'a').toLowerCase();
  return String.fromCharCode(c.charCodeAt(0) - 96);
}

function renderGuard(flash = false): void {
  const show = S.focus === 'xen' && S.you;
  el.guard.hidden = !show;
  if (!show) return;
  const cb = h('input', { type: 'checkbox', 'data-testid': 'force-input' }) as HTMLInputElement;
  cb.checked = S.forceInput;
  cb.addEventListener('change', () => (S.forceInput = cb.checked));
  clear(el.guard,
    h('strong', null, 'Serial input is on Xen'), ': every character you type is a debug key (R reboots). ',
    h('button', { type: 'button', class: 'btn', onclick: () => S.stream?.send({ type: 'input', data: switchChar().repeat(3) }) }, `Switch input (CTRL-${(S.cfg.conswitch?.[S.cur ?? ''] ?? 'a')} ×3)`),
    ' ', h('label', null, cb, ' type to Xen anyway'));
  if (flash) {
    el.guard.classList.remove('flash');
    void el.guard.offsetWidth;
    el.guard.classList.add('flash');
  }
}

// ---------- search ----------
async function search(): Promise<void> {
  const q = el.search.value.trim();
  if (!q || !S.cur) {
    el.results.hidden = true;
    return;
  }
  try {
    const r = await api<{ lines: Line[]; more: boolean }>('GET', `/api/v1/consoles/${enc(S.cur)}/lines?q=${enc(q)}&limit=200&order=desc`);
    clear(el.results,
      h('div', { class: 'row' }, h('strong', null, `${r.lines.length}${r.more ? '+' : ''} lines match “${q}”`), h('button', { type: 'button', class: 'btn small', onclick: () => (el.results.hidden = true) }, 'Close')),
      h('ol', { class: 'hits' }, r.lines.map((l) => h('li', null, h('button', { type: 'button', class: 'hit', 'data-seq': String(l.seq), onclick: () => jump(l.seq) },
        h('span', { class: 'meta' }, `${l.seq} · ${fmtClock(l.ts)}`), ' ', l.text)))));
    el.results.hidden = false;
  } catch (e) {
    toast(`search: ${(e as Error).message}`, 'error');
  }
}

// ---------- consoles ----------
async function loadConsoles(): Promise<void> {
  const r = await api<{ consoles: ConsoleInfo[] }>('GET', '/api/v1/consoles');
  S.consoles = r.consoles;
  const cur = S.consoles.find((c) => c.id === S.cur);
  if (cur && !S.stream) S.focus = cur.focus;
  renderConsoles();
}

function renderConsoles(): void {
  clear(el.consoles, S.consoles.map((c) => h('button', {
    type: 'button', class: `console-item ${c.id === S.cur ? 'active' : ''}`, 'data-testid': 'console-item', 'data-id': c.id, 'aria-current': c.id === S.cur ? 'true' : undefined,
    title: `${c.source.describe}\n${c.status} since ${fmtTime(c.since)} (${c.reason})`, onclick: () => (location.hash = enc(c.id)),
  },
  h('span', { class: `dot ${c.status}` }), h('span', { class: 'cid' }, c.id),
  h('span', { class: 'cmeta' }, `${c.status}${c.status === 'down' ? ` · ${c.reason}` : ''} · input ${c.focus}${c.lease ? ` · lease ${c.lease.name}` : ''}`),
  c.description ? h('span', { class: 'cdesc' }, c.description) : null)));
  const c = S.consoles.find((x) => x.id === S.cur);
  clear(el.title, c ? [h('span', { class: `dot ${c.status}` }), h('strong', null, c.id), h('span', { class: 'meta' }, ` input: ${S.focus}`)] : 'no console');
}

// ---------- lease ----------
async function refreshLease(): Promise<void> {
  if (!S.cur) return;
  try {
    const r = await api<{ holder: Holder | null; you: boolean }>('GET', `/api/v1/consoles/${enc(S.cur)}/lease`);
    S.holder = r.holder;
    S.you = r.you;
  } catch {
    /* shown by the console list */
  }
  renderLease();
  renderPanel();
}

function renderLease(): void {
  const why = cannotOperate();
  const btn = (label: string, testid: string, msg: unknown, reason: string | null, cls = 'btn') =>
    h('button', { type: 'button', class: cls, 'data-testid': testid, disabled: !!reason, title: reason ?? undefined, onclick: () => S.stream?.send(msg) }, label);
  const who = S.you ? 'you' : S.holder ? `${S.holder.name} (${S.holder.role}) since ${fmtClock(S.holder.since)}` : 'free';
  clear(el.lease, h('span', null, 'Lease: ', h('strong', { 'data-testid': 'lease-holder' }, who)), ' ',
    S.you ? btn('Release', 'lease-release', { type: 'lease', action: 'release' }, null)
      : S.holder ? btn('Take over', 'lease-force', { type: 'lease', action: 'take', force: true }, rank() >= RANK.admin ? null : `taking the lease over needs role admin; your role is ${roleName()}`)
        : btn('Take', 'lease-take', { type: 'lease', action: 'take' }, why ? `Taking the lease ${why}` : null),
    why ? h('span', { class: 'reason', 'data-testid': 'lease-reason' }, why) : null);
  renderGuard();
}

// ---------- stream ----------
function connect(id: string, nextSeq: number): void {
  S.stream?.close();
  S.connected = false;
  S.stream = new ConsoleStream(id, Math.max(0, nextSeq - 2000), {
    hello: (m) => {
      S.role = m.role;
      el.role.textContent = `role: ${m.role}`;
      el.role.dataset.role = m.role;
      renderLease();
      renderPanel();
    },
    lines: (lines) => view.live(lines),
    event: (e) => onEvent(e),
    status: (m) => {
      const c = S.consoles.find((x) => x.id === S.cur);
      if (c) {
        c.status = m.up ? 'up' : 'down';
        c.reason = m.reason;
        renderConsoles();
      }
    },
    lease: () => void refreshLease(),
    error: (m) => {
      const p = m.id !== undefined ? S.pending.get(String(m.id)) : undefined;
      if (p) {
        S.pending.delete(String(m.id));
        p({ error: m });
      } else toast(`${m.code}: ${m.message}`, 'error');
    },
    keysResult: (m) => {
      const p = S.pending.get(String(m.id));
      if (p) {
        S.pending.delete(String(m.id));
        p(m);
      }
    },
    connection: (up, why) => {
      S.connected = up;
      if (up) void refreshLease();
      else if (why) toast(`stream: ${why}; reconnecting`, 'error');
      renderViewStatus();
      renderPanel();
    },
  });
}

let renderTimer: ReturnType<typeof setTimeout> | undefined;
function onEvent(e: Ev): void {
  if (e.kind === 'xen.focus') {
    S.focus = String(e.data.target ?? S.focus);
    renderConsoles();
    renderGuard();
  }
  if (!KINDS.includes(e.kind)) return;
  S.events.set(e.id, e);
  clearTimeout(renderTimer);
  renderTimer = setTimeout(() => renderPanel(), 300);
}

async function select(id: string): Promise<void> {
  const c = S.consoles.find((x) => x.id === id) ?? S.consoles[0];
  if (!c) return;
  S.cur = c.id;
  S.focus = c.focus;
  S.events = new Map();
  S.open = [];
  S.sel = { onlyChanged: true };
  S.diag = { loaded: false, findings: null, message: '', running: false, at: 0 };
  S.answer = null;
  el.results.hidden = true;
  renderConsoles();
  view.clear();
  connect(c.id, c.nextSeq);
  try {
    const r = await api<{ events: Ev[] }>('GET', `/api/v1/consoles/${enc(c.id)}/events?kind=${enc(KINDS.join(','))}&limit=5000&order=desc`);
    for (const e of r.events) S.events.set(e.id, e);
  } catch (e) {
    toast(`events: ${(e as Error).message}`, 'error');
  }
  await loadOpen();
  renderPanel();
}

/** The blocks still open (they have no id: they are not stored until they close). */
async function loadOpen(): Promise<void> {
  const id = S.cur;
  if (!id) return;
  try {
    const r = await api<{ events: Array<Omit<Ev, 'id'>> }>('GET', `/api/v1/consoles/${enc(id)}/events/open`);
    if (S.cur === id) S.open = r.events.map((e, i) => ({ ...e, id: -1 - i }));
  } catch {
    if (S.cur === id) S.open = []; // the page still shows the stored events
  }
}

// ---------- panels ----------
function evs(pred: (e: Ev) => boolean): Ev[] {
  return [...S.events.values()].filter(pred).sort((a, b) => a.firstSeq - b.firstSeq || a.id - b.id);
}

function renderTabs(): void {
  clear(el.tabs, TABS.map(([id, label]) => h('button', {
    type: 'button', role: 'tab', class: `tab ${S.tab === id ? 'active' : ''}`, 'aria-selected': S.tab === id ? 'true' : 'false', 'data-tab': id,
    onclick: () => {
      S.tab = id;
      renderTabs();
      renderPanel();
      // A kernel still setting up its interrupts, a report a stuck kernel never ended: shown as far
      // as they went, fetched when the tab opens.
      if (id === 'irqs' || id === 'crashes') void loadOpen().then(() => S.tab === id && renderPanel());
    },
  }, label, id === 'crashes' && crashes().length ? h('span', { class: 'count' }, String(crashes().length)) : null)));
}

function renderPanel(): void {
  renderTabs();
  const p = el.panel;
  p.dataset.panel = S.tab;
  switch (S.tab) {
    case 'keys': return clear(p, keysPanel());
    case 'crashes': return clear(p, crashesPanel());
    case 'boot': return clear(p, bootPanel());
    case 'regs': return clear(p, regsPanel());
    case 'lrs': return clear(p, lrsPanel());
    case 'irqs': return clear(p, irqsPanel());
    case 'diag': return clear(p, diagPanel());
  }
}

function keysPanel(): (HTMLElement | null)[] {
  const hl = evs((e) => e.kind === 'xen.handlers').pop();
  const keys: Array<[string, string]> = hl ? (hl.data.handlers as any[]).map((x) => [x.key, x.description]) : DEFAULT_KEYS;
  const why = cannotOperate();
  return [
    h('p', { class: 'note' }, hl ? `Keys from the board's 'h' list (line ${hl.firstSeq}).` : "Xen's usual keys; press h to get this board's list.",
      ' Input is switched to Xen for the key and back to where it was.'),
    why ? h('p', { class: 'reason', 'data-testid': 'keys-reason' }, `Debug keys ${why}.`) : S.holder && !S.you ? h('p', { class: 'reason', 'data-testid': 'keys-reason' }, `The write lease is held by ${S.holder.name}: keys are refused until it is released.`) : null,
    h('div', { class: 'keys', 'data-testid': 'keys' }, keys.map(([k, desc]) => {
      const blocked = keyBlocked(k);
      return h('button', {
        type: 'button', class: `key ${DANGEROUS[k] ? 'danger' : ''}`, 'data-key': k, disabled: !!blocked || S.keyBusy,
        title: blocked ? `${desc} — ${blocked}` : `${desc}${DANGEROUS[k] ? ` (${DANGEROUS[k]}: asks first)` : ''}`, onclick: () => void pressKey(k),
      }, h('code', null, k), h('span', null, desc));
    })),
    h('div', { class: 'answer', 'data-testid': 'key-answer' }, S.answer ?? h('p', { class: 'note' }, 'The decoded answer of a key shows here.')),
  ];
}

let keySeq = 0;
async function pressKey(k: string): Promise<void> {
  let confirm = false;
  if (DANGEROUS[k]) {
    if (!(await askConfirm(`Press '${k}' on ${S.cur}? It ${DANGEROUS[k]}.`))) return;
    confirm = true;
  }
  const id = `k${++keySeq}`;
  S.keyBusy = true;
  S.answer = h('p', { class: 'note busy' }, `Pressing '${k}'…`);
  renderPanel();
  const res = await new Promise<any>((resolve) => {
    S.pending.set(id, resolve);
    if (!S.stream?.send({ type: 'keys', keys: k, id, ...(confirm ? { confirm: true } : {}) })) {
      S.pending.delete(id);
      resolve({ error: { code: 'offline', message: 'not connected' } });
    }
    setTimeout(() => { if (S.pending.delete(id)) resolve({ error: { code: 'timeout', message: 'no answer within 60 s' } }); }, 60_000);
  });
  S.keyBusy = false;
  if (res.error) {
    S.answer = h('p', { class: 'error', 'data-testid': 'key-error' }, `'${k}' refused: ${res.error.message}`);
  } else {
    for (const r of res.keys ?? []) for (const e of r.events ?? []) if (e.id !== undefined && KINDS.includes(e.kind)) S.events.set(e.id, e);
    S.answer = h('div', null, (res.keys ?? []).map((r: any) => keyAnswer(r, jump)),
      h('p', { class: 'note' }, `input ${res.focus?.before} → ${res.focus?.during} → ${res.focus?.after} · ${res.ms} ms`));
  }
  renderPanel();
}

/**
 * Crash reports in the history, oldest first, with the ones still open (a stuck kernel's RCU
 * stall); an open one that has closed since it was fetched is listed once, as stored.
 */
function crashes(): Ev[] {
  const stored = evs(isCrash);
  const seen = new Set(stored.map((e) => `${e.kind} ${e.firstSeq}`));
  return [...stored, ...S.open.filter((e) => isCrash(e) && !seen.has(`${e.kind} ${e.firstSeq}`))].sort((a, b) => a.firstSeq - b.firstSeq);
}

function crashesPanel(): (HTMLElement | null)[] {
  const list = crashes().reverse();
  return [
    h('p', { class: 'note' }, list.length ? `${plural(list.length, 'report')} in the history, newest first. Click one to show its lines.` : 'No panic, oops, BUG or WARN in the history.'),
    h('ul', { class: 'crashes', 'data-testid': 'crash-list' }, list.map((e) => crashItem(e, jump, (x) => { S.sel.regs = x.data.regsSeq; }))),
    ...list.slice(0, 1).filter((e) => e.data.callTrace?.length).map((e) => h('details', { class: 'detail' }, h('summary', null, `Call trace of the newest (${e.kind})`), regsOrTrace(e))),
  ];
}

function regsOrTrace(e: Ev): HTMLElement {
  return h('div', null, e.data.pcSymbol ? h('p', null, 'PC at ', h('code', null, e.data.pcSymbol)) : null,
    h('ol', { class: 'trace' }, (e.data.callTrace as any[]).map((t) => h('li', null, typeof t === 'string' ? t : `${t.addr ? `${t.addr} ` : ''}${t.symbol ?? ''}${t.offset ? `+${t.offset}` : ''}${t.size ? `/${t.size}` : ''}${t.module ? ` [${t.module}]` : ''}`))));
}

function select_<T>(label: string, items: T[], value: number | undefined, key: (t: T) => number, text: (t: T) => string, onChange: (v: number) => void, testid?: string): HTMLElement {
  const s = h('select', { 'aria-label': label, 'data-testid': testid }, items.map((t) => h('option', { value: String(key(t)), selected: key(t) === value }, text(t)))) as HTMLSelectElement;
  s.addEventListener('change', () => onChange(Number(s.value)));
  return h('label', { class: 'sel' }, `${label} `, s);
}

function bootPanel(): (HTMLElement | null)[] {
  const ms = evs((e) => e.kind === 'xen.milestone');
  const byBoot = new Map<number, any[]>();
  for (const m of ms) {
    const b = Number(m.data.bootSeq ?? m.firstSeq);
    if (!byBoot.has(b)) byBoot.set(b, []);
    byBoot.get(b)!.push({ ...m.data, seq: m.data.seq ?? m.firstSeq, ts: m.data.ts || m.ts });
  }
  for (const b of evs((e) => e.kind === 'xen.boot')) {
    if (!byBoot.has(b.firstSeq) && Array.isArray(b.data.milestones)) byBoot.set(b.firstSeq, b.data.milestones.map((m: any) => ({ ...m, ts: m.ts || b.ts })));
  }
  const boots = [...byBoot.keys()].sort((a, b) => a - b);
  if (!boots.length) return [h('p', { class: 'note' }, 'No Xen boot in the history yet.')];
  const cur = S.sel.boot !== undefined && byBoot.has(S.sel.boot) ? S.sel.boot : boots[boots.length - 1];
  const info = evs((e) => e.kind === 'xen.boot' && e.firstSeq === cur)[0];
  const list = byBoot.get(cur)!.sort((a, b) => a.seq - b.seq);
  return [
    h('div', { class: 'row' }, select_('Boot', boots, cur, (b) => b, (b) => `boot at line ${b} · ${fmtTime(byBoot.get(b)![0].ts)}`, (v) => { S.sel.boot = v; renderPanel(); }), ' ', seqLink(jump, cur)),
    info ? h('p', { class: 'note' }, [`Xen ${info.data.version ?? '?'}${info.data.debug ? ' debug' : ''}`, info.data.cpus ? `${info.data.cpus} CPUs` : '', info.data.gic ? `GICv${info.data.gic}` : '', info.data.dom0MemMB ? `dom0 ${info.data.dom0MemMB} MB` : '', info.partial ? `partial: ${info.reason}` : 'reached a prompt'].filter(Boolean).join(' · ')) : h('p', { class: 'note' }, 'boot in progress'),
    timelineView(list, jump),
  ];
}

function regsPanel(): (HTMLElement | null)[] {
  const list = evs((e) => e.kind === 'xen.regs');
  if (!list.length) return [h('p', { class: 'note' }, 'No register dump in the history. Press d (all CPUs) or 0 (dom0 vCPUs).')];
  const cur = list.find((e) => e.firstSeq === S.sel.regs) ?? list[list.length - 1];
  return [
    select_('Dump', list.slice(-200).reverse(), cur.firstSeq, (e) => e.firstSeq, (e) => `line ${e.firstSeq} · ${e.data.context ?? ''} ${e.data.trigger ?? ''} CPU ${e.data.cpu ?? '?'}${e.data.domain !== undefined ? ` d${e.data.domain}v${e.data.vcpu ?? '?'}` : ''} · ${fmtClock(e.ts)}`, (v) => { S.sel.regs = v; renderPanel(); }, 'regs-select'),
    regsView(cur, jump),
  ];
}

function lrsPanel(): (HTMLElement | null)[] {
  const all = evs((e) => e.kind === 'xen.gic.lrs');
  if (!all.length) return [h('p', { class: 'note' }, 'No GIC list registers in the history. Press q.')];
  const qs = evs((e) => e.kind === 'xen.debugkey' && e.data.key === 'q').filter((q) => all.some((l) => l.firstSeq >= q.firstSeq && l.firstSeq <= q.lastSeq));
  let shown: Ev[];
  let header: HTMLElement | null = null;
  if (qs.length) {
    const cur = qs.find((q) => q.firstSeq === S.sel.lrs) ?? qs[qs.length - 1];
    shown = all.filter((l) => l.firstSeq >= cur.firstSeq && l.firstSeq <= cur.lastSeq);
    header = select_('Snapshot (q)', qs.slice().reverse(), cur.firstSeq, (q) => q.firstSeq, (q) => `line ${q.firstSeq} · ${fmtTime(q.ts)}`, (v) => { S.sel.lrs = v; renderPanel(); });
  } else {
    const latest = new Map<string, Ev>();
    for (const l of all) latest.set(`${l.data.domain}/${l.data.vcpu}`, l);
    shown = [...latest.values()];
  }
  return [header ?? h('p', { class: 'note' }, 'Latest list registers per vCPU.'), ...shown.map((e) => lrsView(e, jump))];
}

function irqsPanel(): (HTMLElement | null)[] {
  // The latest interrupt setup of each kernel (dom0 and every guest), above the tables.
  // A setup still open (that kernel never brought its CPUs up) stands for its kernel's latest boot;
  // once it closes, its stored event (same first line, sorted after it) replaces it.
  const setups = new Map<string, Ev>();
  const open = S.open.filter((x) => x.kind === 'linux.irq.setup');
  for (const e of [...open, ...evs((x) => x.kind === 'linux.irq.setup')].sort((a, b) => a.firstSeq - b.firstSeq)) setups.set(`${e.data.stream}/${e.data.domain ?? ''}`, e);
  const setupViews = [...setups.values()].map((e) => irqSetupView(e, jump));
  const list = evs((e) => e.kind === 'linux.interrupts');
  if (!list.length) return [...setupViews, h('p', { class: 'note' }, 'No /proc/interrupts table in the history. Type cat /proc/interrupts in dom0 (with the lease).')];
  const b = list.find((e) => e.firstSeq === S.sel.irqB) ?? list[list.length - 1];
  const before = list.filter((e) => e.firstSeq < b.firstSeq);
  const a = S.sel.irqA !== undefined ? before.find((e) => e.firstSeq === S.sel.irqA) : before[before.length - 1];
  const label = (e: Ev) => `line ${e.firstSeq} · ${fmtClock(e.ts)}`;
  const only = h('input', { type: 'checkbox' }) as HTMLInputElement;
  only.checked = S.sel.onlyChanged;
  only.addEventListener('change', () => { S.sel.onlyChanged = only.checked; renderPanel(); });
  return [
    ...setupViews,
    h('div', { class: 'row wrap' },
      select_('Snapshot', list.slice().reverse(), b.firstSeq, (e) => e.firstSeq, label, (v) => { S.sel.irqB = v; S.sel.irqA = undefined; renderPanel(); }),
      before.length ? select_('compared with', before.slice().reverse(), a?.firstSeq, (e) => e.firstSeq, label, (v) => { S.sel.irqA = v; renderPanel(); }) : h('span', { class: 'note' }, 'first snapshot: nothing to compare with'),
      a ? h('label', null, only, ' only changed') : null),
    h('div', { class: 'row' }, seqLink(jump, b.firstSeq, b.lastSeq), a ? ` ${((b.ts - a.ts) / 1000).toFixed(1)} s after the earlier one` : ''),
    interruptsDiff(a, b, !!a && S.sel.onlyChanged),
  ];
}

function diagPanel(): (HTMLElement | null)[] {
  if (!S.diag.loaded && S.cur) {
    S.diag.loaded = true;
    void loadDiag('GET');
  }
  const why = cannotOperate();
  const secs = h('select', { 'aria-label': 'seconds between snapshots' }, [2, 5, 10, 20].map((n) => h('option', { value: String(n), selected: n === 5 }, `${n} s`))) as HTMLSelectElement;
  const proc = h('input', { type: 'checkbox' }) as HTMLInputElement;
  return [
    h('p', { class: 'note' }, 'Interrupt diagnosis: reads the history (q, e, d, 0 answers, /proc/interrupts) and says why interrupts do not arrive. An active run presses q and e twice, then d and 0 (10-30 s).'),
    h('div', { class: 'row wrap' },
      h('button', { type: 'button', class: 'btn', onclick: () => void loadDiag('GET'), disabled: S.diag.running }, 'Analyse history'),
      h('button', { type: 'button', class: 'btn primary', 'data-testid': 'diag-run', disabled: !!why || S.diag.running, title: why ? `An active run ${why}` : 'Press the keys and analyse', onclick: () => void loadDiag('POST', Number(secs.value), proc.checked) }, S.diag.running ? 'Running…' : 'Run'),
      h('label', null, secs), h('label', null, proc, ' also cat /proc/interrupts')),
    why ? h('p', { class: 'reason' }, `Active run ${why}.`) : null,
    S.diag.message ? h('p', { class: S.diag.findings ? 'note' : 'error' }, S.diag.message) : null,
    S.diag.findings ? h('ul', { class: 'findings', 'data-testid': 'findings' }, S.diag.findings.length ? S.diag.findings.map((f) => findingView(f, jump)) : h('li', { class: 'note' }, 'No findings: nothing wrong seen.')) : null,
  ];
}

async function loadDiag(method: 'GET' | 'POST', seconds?: number, proc?: boolean): Promise<void> {
  if (!S.cur) return;
  const id = S.cur;
  S.diag.running = true;
  S.diag.message = method === 'POST' ? 'Running the diagnosis (pressing keys)…' : 'Analysing the history…';
  renderPanel();
  try {
    const r = await api<{ findings: Finding[] }>(method, `/api/v1/consoles/${enc(id)}/diagnose/interrupts`, method === 'POST' ? { seconds, proc } : undefined);
    if (S.cur !== id) return;
    S.diag.findings = r.findings ?? [];
    S.diag.message = `${method === 'POST' ? 'Active run' : 'From the history'} at ${fmtClock(Date.now())}: ${plural(S.diag.findings.length, 'finding')}.`;
  } catch (e) {
    if (S.cur !== id) return;
    S.diag.findings = null;
    S.diag.message = e instanceof ApiError && e.status === 404 && /no route/.test(e.message)
      ? 'This daemon has no interrupt diagnosis (route not found): update xenuart.'
      : `Diagnosis failed: ${(e as Error).message}`;
  } finally {
    S.diag.running = false;
    if (S.cur === id) renderPanel();
  }
}

// ---------- start ----------
el.tokenBtn.addEventListener('click', () => openToken(getToken() ? 'A token is stored in this browser. Enter another to replace it.' : 'Enter your xenuart token (kept in this browser).'));

async function start(): Promise<void> {
  try {
    S.cfg = await api('GET', '/web/config.json');
  } catch {
    /* older daemon: try anyway */
  }
  el.role.textContent = getToken() ? 'role: …' : S.cfg.tokens ? 'no token' : `role: ${S.cfg.anonymous}`;
  if (S.cfg.tokens && !getToken()) {
    openToken('This daemon needs a token. Enter yours (kept in this browser).');
    renderPanel();
    return;
  }
  try {
    await loadConsoles();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) openToken(`The token was refused: ${e.message}`);
    else toast((e as Error).message, 'error');
    return;
  }
  await select(decodeURIComponent(location.hash.slice(1)));
  window.addEventListener('hashchange', () => void select(decodeURIComponent(location.hash.slice(1))));
  setInterval(() => void loadConsoles().catch(() => {}), 5000);
}

renderTabs();
renderViewStatus();
void start();
