// The Chatwoot JSON shapes the dashboard reads (only the fields it uses).

export interface UserAccount {
  id: number;
  name: string;
  role: 'administrator' | 'agent';
  availability?: string;
  locale?: string;
}

export interface Profile {
  id: number;
  name: string;
  display_name?: string | null;
  available_name: string;
  email: string;
  avatar_url: string;
  account_id: number | null;
  pubsub_token: string;
  ui_settings: Record<string, unknown>;
  accounts: UserAccount[];
}

export interface Account {
  id: number;
  name: string;
  locale: string;
}

export interface Agent {
  id: number;
  name: string;
  available_name?: string;
  email: string;
  role: string;
  availability_status: string;
  thumbnail?: string;
}

export interface Inbox {
  id: number;
  name: string;
  channel_type: string;
}

export interface Team {
  id: number;
  name: string;
}

export interface Label {
  id: number;
  title: string;
  color: string;
}

export interface Sender {
  id: number;
  name: string;
  available_name?: string;
  thumbnail?: string;
  type?: string;
  email?: string | null;
  phone_number?: string | null;
}

export interface Attachment {
  id: number;
  file_type: string;
  data_url: string;
  thumb_url: string;
  file_size?: number;
  extension?: string | null;
}

export interface Message {
  id: number;
  content: string | null;
  conversation_id: number;
  message_type: number | string;
  content_type?: string;
  content_attributes?: Record<string, unknown>;
  status?: string;
  private: boolean;
  created_at: number;
  sender?: Sender | null;
  attachments?: Attachment[];
}

export type Status = 'open' | 'resolved' | 'pending' | 'snoozed';

export interface Conversation {
  id: number;
  account_id: number;
  inbox_id: number;
  status: Status;
  priority: string | null;
  labels: string[];
  unread_count: number;
  muted: boolean;
  timestamp: number;
  last_activity_at: number;
  snoozed_until?: number | null;
  messages: Message[];
  last_non_activity_message?: Message | null;
  meta: {
    sender: Sender;
    assignee?: Sender | null;
    team?: Team | null;
  };
}

export interface Counts {
  mine_count: number;
  unassigned_count: number;
  all_count: number;
}

export interface Contact {
  id: number;
  name: string;
  email: string | null;
  phone_number: string | null;
  identifier?: string | null;
  thumbnail?: string;
  additional_attributes?: Record<string, unknown>;
  custom_attributes?: Record<string, unknown>;
}

/** Chatwoot's integer message types. */
export const MessageType = { incoming: 0, outgoing: 1, activity: 2, template: 3 } as const;

export function messageType(m: Message): number {
  if (typeof m.message_type === 'number') return m.message_type;
  return (MessageType as Record<string, number>)[m.message_type] ?? 0;
}
