// The one way the app reaches the server: Chatwoot's public API, authenticated with
// devise_token_auth's headers from sign-in (`access-token`, `client`, `uid`), as Chatwoot's
// own dashboard does. A 401 ends the session.

export interface Credentials {
  accessToken: string;
  client: string;
  uid: string;
}

const KEY = 'switchboard.session';

// Single sign-on (crates/api/src/auth/sso.rs) hands the session over as Chatwoot's
// dashboard keeps it, in the `cw_d_session_info` cookie; it is moved here once and deleted.
const HANDOFF = 'cw_d_session_info';
let credentials: Credentials | null = fromHandoff() ?? load();
let onUnauthenticated: () => void = () => {};

function load(): Credentials | null {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return v && typeof v.accessToken === 'string' ? v : null;
  } catch {
    return null;
  }
}

function fromHandoff(): Credentials | null {
  const raw = document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${HANDOFF}=`));
  if (!raw) return null;
  document.cookie = `${HANDOFF}=; Path=/; Max-Age=0; SameSite=Lax`;
  try {
    const v = JSON.parse(decodeURIComponent(raw.slice(HANDOFF.length + 1).replace(/\+/g, ' ')));
    if (typeof v['access-token'] !== 'string' || typeof v.client !== 'string' || typeof v.uid !== 'string') return null;
    const c: Credentials = { accessToken: v['access-token'], client: v.client, uid: v.uid };
    localStorage.setItem(KEY, JSON.stringify(c));
    return c;
  } catch {
    return null;
  }
}

export function hasCredentials() {
  return credentials !== null;
}

export function setCredentials(c: Credentials | null) {
  credentials = c;
  if (c) localStorage.setItem(KEY, JSON.stringify(c));
  else localStorage.removeItem(KEY);
}

export function whenUnauthenticated(f: () => void) {
  onUnauthenticated = f;
}

/** An answer other than 2xx, with the message the API gave when it gave one. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public body: unknown,
  ) {
    super(messageOf(body) ?? `HTTP ${status}`);
  }
}

function messageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.message === 'string') return b.message;
    if (typeof b.error === 'string') return b.error;
    if (Array.isArray(b.errors) && typeof b.errors[0] === 'string') return b.errors[0];
  }
  return undefined;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined | (string | number)[]>;
  signal?: AbortSignal;
}

export function url(path: string, query?: RequestOptions['query']) {
  const u = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.searchParams.append(`${k}[]`, String(x)));
    else u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credentials) {
    headers['access-token'] = credentials.accessToken;
    headers.client = credentials.client;
    headers.uid = credentials.uid;
  }
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(url(path, opts.query), { method, headers, body: payload, signal: opts.signal });
  const text = await r.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (r.status === 401 && credentials && !path.startsWith('/auth/sign_in')) {
    setCredentials(null);
    onUnauthenticated();
  }
  if (!r.ok) throw new ApiError(r.status, parsed);
  return parsed as T;
}

/** Sign-in is the one call whose response headers matter: they are the session. */
export async function signIn(email: string, password: string) {
  const r = await fetch('/auth/sign_in', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  const c = {
    accessToken: r.headers.get('access-token') ?? '',
    client: r.headers.get('client') ?? '',
    uid: r.headers.get('uid') ?? '',
  };
  if (!c.accessToken || !c.client) throw new ApiError(500, null);
  setCredentials(c);
  return body;
}

export const get = <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {});
export const del = <T>(path: string) => request<T>('DELETE', path);
