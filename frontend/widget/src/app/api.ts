// The widget API (`/api/v1/widget/*`), same origin as this page, with the website token in
// the query and the visitor's token in `X-Auth-Token`.
export type Dict = Record<string, unknown>;

export interface Message {
  id: number;
  content: string | null;
  message_type: number;
  content_type: string;
  content_attributes: Dict;
  created_at: number;
  conversation_id: number;
  private?: boolean;
  echo_id?: string;
  attachments?: { id: number; file_type: string; data_url: string; thumb_url?: string; file_size?: number; extension?: string | null }[];
  sender?: { id?: number; name?: string; avatar_url?: string; thumbnail?: string; type?: string };
  // Local only: a message being sent, or one that failed.
  pending?: boolean;
  failed?: boolean;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: Dict,
  ) {
    super(String(body.error || body.message || `HTTP ${status}`));
  }
}

export class Api {
  constructor(
    public websiteToken: string,
    public authToken: string,
    public locale = 'en',
  ) {}

  async call<T = Dict>(method: string, path: string, body?: Dict | FormData, query: Record<string, string> = {}): Promise<T> {
    const q = new URLSearchParams({ website_token: this.websiteToken, locale: this.locale, ...query });
    const headers: Record<string, string> = { 'X-Auth-Token': this.authToken };
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const r = await fetch(`/api/v1/widget/${path}?${q}`, { method, headers, body: payload });
    const text = await r.text();
    let json: Dict = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = { error: text };
    }
    if (!r.ok) throw new ApiError(r.status, json);
    return json as T;
  }

  conversation() {
    return this.call<{ id?: number; status?: string; contact_last_seen_at?: number }>('GET', 'conversations');
  }
  messages(before?: number) {
    return this.call<{ payload: Message[] }>('GET', 'messages', undefined, before ? { before: String(before) } : {});
  }
  send(content: string, echoId: string) {
    return this.call<Message>('POST', 'messages', { message: { content, echo_id: echoId, referer_url: document.referrer, timestamp: new Date().toString() } });
  }
  upload(file: File, echoId: string) {
    const f = new FormData();
    f.append('message[attachments][]', file, file.name);
    f.append('message[echo_id]', echoId);
    f.append('message[referer_url]', document.referrer);
    return this.call<Message>('POST', 'messages', f);
  }
  startConversation(contact: Dict, content: string, customAttributes: Dict) {
    return this.call<Dict & { id: number; messages: Message[] }>('POST', 'conversations', {
      contact,
      message: { content, referer_url: document.referrer, timestamp: new Date().toString() },
      custom_attributes: customAttributes,
    });
  }
  updateMessage(id: number, body: Dict) {
    return this.call('PATCH', `messages/${id}`, body);
  }
  members() {
    return this.call<{ payload: { id: number; name: string; avatar_url: string; availability_status: string }[] }>('GET', 'inbox_members');
  }
  setUser(identifier: string, user: Dict) {
    return this.call<Dict & { widget_auth_token?: string }>('PATCH', 'contact/set_user', { identifier, ...user });
  }
  updateContact(attrs: Dict) {
    return this.call('PATCH', 'contact', attrs);
  }
  deleteContactAttribute(key: string) {
    return this.call('POST', 'contact/destroy_custom_attributes', { custom_attributes: [key] });
  }
  setConversationAttributes(attrs: Dict) {
    return this.call('POST', 'conversations/set_custom_attributes', { custom_attributes: attrs });
  }
  deleteConversationAttribute(key: string) {
    return this.call('POST', 'conversations/destroy_custom_attributes', { custom_attribute: [key] });
  }
  addLabel(label: string) {
    return this.call('POST', 'labels', { label });
  }
  removeLabel(label: string) {
    return this.call('DELETE', `labels/${encodeURIComponent(label)}`);
  }
  typing(on: boolean) {
    return this.call('POST', 'conversations/toggle_typing', { typing_status: on ? 'on' : 'off' });
  }
  seen() {
    return this.call('POST', 'conversations/update_last_seen');
  }
  resolve() {
    return this.call('GET', 'conversations/toggle_status');
  }
  event(name: string, eventInfo: Dict) {
    return this.call('POST', 'events', { name, event_info: eventInfo });
  }
}
