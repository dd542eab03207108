// The conversation list (tabs, filters, sort, pages) and the open conversation (messages
// paged upward, typing, contact), kept current by /cable events.
import { reactive } from 'vue';
import * as api from './api/client';
import type { Contact, Conversation, Counts, Message, Status } from './api/types';
import { accountPath, session } from './session';

export type AssigneeType = 'me' | 'unassigned' | 'all';

const PAGE_SIZE = 25; // Chatwoot's conversation page size
const MESSAGES_PAGE = 20; // Chatwoot's message page (the last 20, then 20 `before` each)
const COUNTS_EVERY_MS = 3_000; // bursts of events refresh the tab counts at most this often

export const list = reactive({
  assigneeType: 'me' as AssigneeType,
  status: 'open' as Status | 'all',
  inboxId: 0,
  sortBy: 'latest',
  items: [] as Conversation[],
  counts: { mine_count: 0, unassigned_count: 0, all_count: 0 } as Counts,
  page: 0,
  done: false,
  loading: false,
  error: '',
});

let generation = 0;

function filterQuery() {
  return {
    status: list.status,
    inbox_id: list.inboxId || undefined,
  };
}

/** Starts the list over (a tab, filter or account changed, or the socket lost events). */
export async function reload() {
  generation += 1;
  list.items = [];
  list.page = 0;
  list.done = false;
  list.loading = false;
  await loadMore();
}

export async function loadMore() {
  if (list.loading || list.done || !session.accountId) return;
  const g = generation;
  list.loading = true;
  list.error = '';
  try {
    const r = await api.get<{ data: { meta: Counts; payload: Conversation[] } }>(accountPath('/conversations'), {
      query: { ...filterQuery(), assignee_type: list.assigneeType, sort_by: list.sortBy, page: list.page + 1 },
    });
    if (g !== generation) return;
    list.counts = r.data.meta;
    const seen = new Set(list.items.map((c) => c.id));
    list.items.push(...r.data.payload.filter((c) => !seen.has(c.id)));
    list.page += 1;
    list.done = r.data.payload.length < PAGE_SIZE;
  } catch (e) {
    if (g === generation) list.error = (e as Error).message;
  } finally {
    if (g === generation) list.loading = false;
  }
}

let countsTimer = 0;
let countsDue = false;
let lastCounts = 0;

/** Tab counts after live changes: one request per few seconds however many events arrive. */
export function refreshCountsSoon() {
  countsDue = true;
  if (countsTimer) return;
  const wait = Math.max(0, lastCounts + COUNTS_EVERY_MS - Date.now());
  countsTimer = window.setTimeout(async () => {
    countsTimer = 0;
    if (!countsDue) return;
    countsDue = false;
    lastCounts = Date.now();
    try {
      const r = await api.get<{ meta: Counts }>(accountPath('/conversations/meta'), { query: filterQuery() });
      list.counts = r.meta;
    } catch {
      // The next change tries again.
    }
  }, wait);
}

function matches(c: Conversation) {
  if (list.status !== 'all' && c.status !== list.status) return false;
  if (list.inboxId && c.inbox_id !== list.inboxId) return false;
  const assignee = c.meta?.assignee?.id;
  if (list.assigneeType === 'me') return assignee === session.user?.id;
  if (list.assigneeType === 'unassigned') return !assignee;
  return true;
}

function before(a: Conversation, b: Conversation) {
  if (list.sortBy === 'created_at') return a.id > b.id;
  return (a.last_activity_at ?? a.timestamp) > (b.last_activity_at ?? b.timestamp);
}

/** Puts a changed conversation where the current tab and filters say it belongs. */
export function upsertConversation(c: Conversation) {
  const i = list.items.findIndex((x) => x.id === c.id);
  if (i >= 0) list.items.splice(i, 1);
  if (matches(c)) {
    let at = list.items.findIndex((x) => before(c, x));
    // Past the loaded pages: it will come with a later page.
    if (at < 0) {
      if (!list.done) at = -1;
      else at = list.items.length;
    }
    if (at >= 0) list.items.splice(at, 0, c);
  }
  if (current.conversation?.id === c.id) current.conversation = c;
  refreshCountsSoon();
}

// ---- the open conversation ----

export const current = reactive({
  id: 0,
  conversation: null as Conversation | null,
  messages: [] as Message[],
  loadingOlder: false,
  reachedStart: false,
  contact: null as Contact | null,
  previous: [] as Conversation[],
  typing: {} as Record<string, string>,
  error: '',
});

const conversationPath = (id: number, p = '') => accountPath(`/conversations/${id}${p}`);

export function upsertMessage(m: Message) {
  if (m.conversation_id !== current.id) return;
  const i = current.messages.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    current.messages[i] = m;
    return;
  }
  let at = current.messages.length;
  while (at > 0 && current.messages[at - 1].id > m.id) at -= 1;
  current.messages.splice(at, 0, m);
}

export async function openConversation(id: number) {
  current.id = id;
  current.conversation = list.items.find((c) => c.id === id) ?? null;
  current.messages = [];
  current.reachedStart = false;
  current.contact = null;
  current.previous = [];
  current.typing = {};
  current.error = '';
  try {
    const [conversation, messages] = await Promise.all([
      api.get<Conversation>(conversationPath(id)),
      api.get<{ payload: Message[] }>(conversationPath(id, '/messages')),
    ]);
    if (current.id !== id) return;
    current.conversation = conversation;
    messages.payload.forEach(upsertMessage);
    current.reachedStart = messages.payload.length < MESSAGES_PAGE;
    markRead(id);
    loadContact(conversation);
  } catch (e) {
    if (current.id === id) current.error = (e as Error).message;
  }
}

/** After a resync: the messages that arrived while the socket was away, without repeats. */
export async function refreshOpenConversation() {
  const id = current.id;
  if (!id) return;
  const [conversation, messages] = await Promise.all([
    api.get<Conversation>(conversationPath(id)),
    api.get<{ payload: Message[] }>(conversationPath(id, '/messages')),
  ]);
  if (current.id !== id) return;
  current.conversation = conversation;
  messages.payload.forEach(upsertMessage);
}

export async function loadOlder() {
  if (current.loadingOlder || current.reachedStart || !current.messages.length) return;
  const id = current.id;
  current.loadingOlder = true;
  try {
    const r = await api.get<{ payload: Message[] }>(conversationPath(id, '/messages'), {
      query: { before: current.messages[0].id },
    });
    if (current.id !== id) return;
    r.payload.forEach(upsertMessage);
    if (r.payload.length < MESSAGES_PAGE) current.reachedStart = true;
  } finally {
    current.loadingOlder = false;
  }
}

async function loadContact(c: Conversation) {
  const contactId = c.meta?.sender?.id;
  if (!contactId) return;
  try {
    const [contact, conversations] = await Promise.all([
      api.get<{ payload: Contact }>(accountPath(`/contacts/${contactId}`)),
      api.get<{ payload: Conversation[] }>(accountPath(`/contacts/${contactId}/conversations`)),
    ]);
    if (current.id !== c.id) return;
    current.contact = contact.payload;
    current.previous = conversations.payload.filter((x) => x.id !== c.id);
  } catch {
    // The side panel stays empty; the conversation itself is usable.
  }
}

function markRead(id: number) {
  api.post(conversationPath(id, '/update_last_seen')).catch(() => {});
  const item = list.items.find((c) => c.id === id);
  if (item) item.unread_count = 0;
}

export async function sendMessage(content: string, isPrivate: boolean, files: File[] = []) {
  const id = current.id;
  let body: unknown;
  if (files.length) {
    const form = new FormData();
    form.append('content', content);
    form.append('private', String(isPrivate));
    form.append('message_type', 'outgoing');
    files.forEach((f) => form.append('attachments[]', f, f.name));
    body = form;
  } else {
    body = { content, private: isPrivate, message_type: 'outgoing' };
  }
  const m = await api.request<Message>('POST', conversationPath(id, '/messages'), body);
  upsertMessage(m);
}

/** Runs one conversation action, then shows the conversation as the server now has it. */
async function act(path: string, body: unknown) {
  const id = current.id;
  await api.post(conversationPath(id, path), body);
  const c = await api.get<Conversation>(conversationPath(id));
  upsertConversation(c);
}

export const assignAgent = (assigneeId: number | null) => act('/assignments', { assignee_id: assigneeId });
export const assignTeam = (teamId: number | null) => act('/assignments', { team_id: teamId });
export const setLabels = (labels: string[]) => act('/labels', { labels });
export const setPriority = (priority: string | null) => act('/toggle_priority', { priority });
export const setStatus = (status: Status, snoozedUntil?: number) =>
  act('/toggle_status', snoozedUntil ? { status, snoozed_until: snoozedUntil } : { status });

export const mute = (on: boolean) => act(on ? '/mute' : '/unmute', {});
/** Marks the conversation unread for the agent (Chatwoot then leaves it). */
export async function markUnread() {
  const id = current.id;
  await api.post(conversationPath(id, '/unread'));
  const c = await api.get<Conversation>(conversationPath(id));
  upsertConversation(c);
}

/** One hit of Chatwoot's conversation search (its slim shape). */
export interface SearchHit {
  id: number;
  contact: { id: number; name: string } | null;
  inbox: { id: number; name: string } | null;
  messages: { id: number; content: string | null }[];
}

export const search = reactive({ q: '', hits: [] as SearchHit[], loading: false });
let searchSeq = 0;

/** Searches conversations by message text, contact and id; an empty query closes the results. */
export async function runSearch(q: string) {
  search.q = q;
  const n = ++searchSeq;
  if (!q.trim()) {
    search.hits = [];
    search.loading = false;
    return;
  }
  search.loading = true;
  try {
    const r = await api.get<{ payload: SearchHit[] }>(accountPath('/conversations/search'), { query: { q: q.trim() } });
    if (n === searchSeq) search.hits = r.payload;
  } catch {
    if (n === searchSeq) search.hits = [];
  } finally {
    if (n === searchSeq) search.loading = false;
  }
}

export interface CannedResponse {
  id: number;
  short_code: string;
  content: string;
}

/** Canned responses whose short code or content matches, for the composer's `/` menu. */
export function cannedResponses(search: string) {
  return api.get<CannedResponse[]>(accountPath('/canned_responses'), { query: { search } });
}

let typingSent = 0;
/** Tells the other side we are typing, at most every few seconds while keys are pressed. */
export function typing(on: boolean, isPrivate: boolean) {
  const now = Date.now();
  if (on && now - typingSent < 3_000) return;
  typingSent = on ? now : 0;
  api
    .post(conversationPath(current.id, '/toggle_typing_status'), { typing_status: on ? 'on' : 'off', is_private: isPrivate })
    .catch(() => {});
}
