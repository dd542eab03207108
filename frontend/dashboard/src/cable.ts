// The /cable client: ActionCable's JSON framing, Chatwoot's RoomChannel, and our catch-up
// extension (docs/realtime.md): every event carries the account's `seq`; after a reconnect
// the subscription asks for the events `since` the last one seen, so nothing is missed
// and nothing is fetched twice. When the server cannot replay (`resync`), the app refetches
// what is on screen from the API.
import { ref } from 'vue';

export type Handler = (event: string, data: Record<string, unknown>) => void;

export const connected = ref(false);

interface Options {
  pubsubToken: string;
  accountId: number;
  userId: number;
  onEvent: Handler;
  onResync: () => void;
}

const PRESENCE_EVERY_MS = 20_000; // as Chatwoot's dashboard
const STALE_AFTER_MS = 10_000; // the server pings every 3 s

export class Cable {
  private ws: WebSocket | null = null;
  private identifier = '';
  private lastSeq: number | null = null;
  private lastFrame = 0;
  private retries = 0;
  private timers: number[] = [];
  private closed = false;
  private everConfirmed = false;

  constructor(private o: Options) {
    this.connect();
    this.timers.push(
      window.setInterval(() => this.send('message', JSON.stringify({ action: 'update_presence' })), PRESENCE_EVERY_MS),
      window.setInterval(() => {
        if (this.ws && Date.now() - this.lastFrame > STALE_AFTER_MS) this.ws.close();
      }, 2_000),
    );
  }

  close() {
    this.closed = true;
    this.timers.forEach((t) => clearInterval(t));
    this.ws?.close();
    connected.value = false;
  }

  /** Drops the socket as a network failure would (tests and the "offline" event use it). */
  reconnect() {
    this.ws?.close();
  }

  private connect() {
    if (this.closed) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/cable`, ['actioncable-v1-json', 'actioncable-unsupported']);
    this.ws = ws;
    this.lastFrame = Date.now();
    ws.onmessage = (e) => this.frame(e.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      connected.value = false;
      if (this.closed) return;
      // Back off, up to 10 s, with jitter so a restarted server is not hit all at once.
      const delay = Math.min(10_000, 500 * 2 ** this.retries) * (0.8 + Math.random() * 0.4);
      this.retries += 1;
      window.setTimeout(() => this.connect(), delay);
    };
  }

  private send(command: string, data?: string) {
    if (this.ws?.readyState !== WebSocket.OPEN || !this.identifier) return;
    this.ws.send(JSON.stringify({ command, identifier: this.identifier, ...(data ? { data } : {}) }));
  }

  private frame(raw: unknown) {
    this.lastFrame = Date.now();
    let f: { type?: string; identifier?: string; message?: { event?: string; data?: Record<string, unknown>; seq?: number } };
    try {
      f = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (f.type === 'welcome') {
      const id: Record<string, unknown> = {
        channel: 'RoomChannel',
        pubsub_token: this.o.pubsubToken,
        account_id: this.o.accountId,
        user_id: this.o.userId,
      };
      if (this.lastSeq !== null) id.since = this.lastSeq;
      this.identifier = JSON.stringify(id);
      this.ws?.send(JSON.stringify({ command: 'subscribe', identifier: this.identifier }));
      return;
    }
    if (f.type === 'confirm_subscription') {
      this.retries = 0;
      connected.value = true;
      // A reconnect before any event arrived has no `since` to ask from: refetch instead.
      if (this.everConfirmed && this.lastSeq === null) this.o.onResync();
      this.everConfirmed = true;
      return;
    }
    if (f.type === 'reject_subscription') {
      // Our token or account is no longer valid: reconnecting would be rejected again.
      this.close();
      return;
    }
    if (f.type || !f.message?.event) return;
    const { event, data = {}, seq } = f.message;
    if (event === 'resync') {
      const last = Number(data.last_seq);
      this.lastSeq = Number.isFinite(last) && last > 0 ? last : null;
      this.o.onResync();
      return;
    }
    if (typeof seq === 'number') {
      // A replay can overlap what was already delivered: skip what is not newer.
      if (this.lastSeq !== null && seq <= this.lastSeq) return;
      this.lastSeq = seq;
    }
    this.o.onEvent(event, data);
  }
}
