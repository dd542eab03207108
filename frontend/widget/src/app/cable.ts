// The visitor's /cable subscription (ActionCable framing, Chatwoot's RoomChannel with the
// contact inbox's pubsub_token). It reconnects with backoff, and tells the app each time
// it is subscribed, so the app can fetch what it missed.
import type { Dict } from './api';

export class Cable {
  private ws: WebSocket | null = null;
  private tries = 0;
  private stopped = false;
  private identifier: string;

  constructor(
    params: Dict,
    private onEvent: (event: string, data: Dict) => void,
    private onState: (connected: boolean) => void,
  ) {
    this.identifier = JSON.stringify({ channel: 'RoomChannel', ...params });
  }

  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/cable`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ command: 'subscribe', identifier: this.identifier }));
    ws.onmessage = (e) => {
      let m: Dict;
      try {
        m = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (m.type === 'confirm_subscription') {
        this.tries = 0;
        this.onState(true);
      } else if (!m.type && m.message && typeof m.message === 'object') {
        const msg = m.message as Dict;
        if (typeof msg.event === 'string') this.onEvent(msg.event, (msg.data || {}) as Dict);
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onState(false);
      if (this.stopped) return;
      const wait = Math.min(30_000, 500 * 2 ** this.tries++) + Math.random() * 500;
      setTimeout(() => this.connect(), wait);
    };
  }

  close() {
    this.stopped = true;
    this.ws?.close();
  }
}
