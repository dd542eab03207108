// Routes /cable events to the state they change (Chatwoot's event names and payloads).
import type { Conversation, Message } from './api/types';
import { Cable } from './cable';
import {
  current,
  refreshCountsSoon,
  refreshOpenConversation,
  reload,
  upsertConversation,
  upsertMessage,
  list,
} from './inbox';
import { session } from './session';
import { reactive } from 'vue';

/** Agents' presence in the current account, from `presence.update`. */
export const presence = reactive({ users: {} as Record<string, string> });

let cable: Cable | null = null;

export function startLive() {
  stopLive();
  const u = session.user;
  if (!u || !session.accountId) return;
  cable = new Cable({
    pubsubToken: u.pubsub_token,
    accountId: session.accountId,
    userId: u.id,
    onEvent: handle,
    onResync: () => {
      reload();
      refreshOpenConversation().catch(() => {});
    },
  });
  // Exposed for the browser tests, which drop the socket to check the catch-up.
  (window as unknown as { __switchboardCable?: Cable }).__switchboardCable = cable;
}

export function stopLive() {
  cable?.close();
  cable = null;
}

const typingTimers: Record<string, number> = {};

function handle(event: string, data: Record<string, unknown>) {
  switch (event) {
    case 'message.created':
    case 'message.updated': {
      const m = data as unknown as Message & { conversation?: Partial<Conversation> };
      upsertMessage(m);
      const item = list.items.find((c) => c.id === m.conversation_id);
      if (item) {
        const moved = { ...item, messages: [m] } as Conversation;
        if (m.conversation?.last_activity_at) moved.last_activity_at = m.conversation.last_activity_at;
        if (typeof m.conversation?.unread_count === 'number') moved.unread_count = m.conversation.unread_count;
        if (current.id === m.conversation_id) moved.unread_count = 0;
        upsertConversation(moved);
      } else {
        refreshCountsSoon();
      }
      return;
    }
    case 'conversation.created':
    case 'conversation.updated':
    case 'conversation.status_changed':
    case 'conversation.read':
    case 'assignee.changed':
    case 'team.changed':
      upsertConversation(data as unknown as Conversation);
      return;
    case 'conversation.typing_on':
    case 'conversation.typing_off': {
      const conv = data.conversation as { id?: number } | undefined;
      const user = data.user as { id?: number; name?: string; available_name?: string; type?: string } | undefined;
      if (!conv || conv.id !== current.id || !user) return;
      // The same id can be an agent and a contact: keep them apart.
      const key = `${user.type ?? 'user'}:${user.id}`;
      if (user.type !== 'contact' && user.id === session.user?.id) return;
      clearTimeout(typingTimers[key]);
      if (event === 'conversation.typing_on') {
        current.typing[key] = user.available_name || user.name || '';
        // A lost typing_off must not leave the indicator forever.
        typingTimers[key] = window.setTimeout(() => delete current.typing[key], 30_000);
      } else {
        delete current.typing[key];
      }
      return;
    }
    case 'presence.update': {
      const users = data.users as Record<string, string> | undefined;
      if (users) presence.users = users;
      return;
    }
    case 'contact.updated': {
      const c = data as { id?: number; name?: string };
      if (current.contact && current.contact.id === c.id) current.contact = { ...current.contact, ...(data as object) };
      for (const item of list.items) {
        if (item.meta?.sender?.id === c.id && c.name) item.meta.sender.name = c.name;
      }
      return;
    }
  }
}
