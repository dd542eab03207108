// Who is signed in, in which account, and what the account holds that every screen needs
// (inboxes, agents, teams, labels). One reactive object; screens read it, actions change it.
import { computed, reactive } from 'vue';
import * as api from './api/client';
import type { Account, Agent, Inbox, Label, Profile, Team } from './api/types';
import { defaultLocale } from './config';
import { setLocale } from './i18n';

export const session = reactive({
  user: null as Profile | null,
  accountId: 0,
  account: null as Account | null,
  inboxes: [] as Inbox[],
  agents: [] as Agent[],
  teams: [] as Team[],
  labels: [] as Label[],
});

export const membership = computed(() => session.user?.accounts.find((a) => a.id === session.accountId) ?? null);
export const isAdmin = computed(() => membership.value?.role === 'administrator');

const base = () => `/api/v1/accounts/${session.accountId}`;
export const accountPath = (p: string) => base() + p;

/** The locale follows the user, then the account, then the installation's default. */
export function applyLocale() {
  const mine = session.user?.ui_settings?.locale;
  setLocale((typeof mine === 'string' && mine) || session.account?.locale || defaultLocale);
}

export async function signIn(email: string, password: string) {
  await api.signIn(email, password);
  await restore();
}

/** Loads the profile for the stored credentials; false when there is no usable session. */
export async function restore(): Promise<boolean> {
  if (!api.hasCredentials()) return false;
  try {
    session.user = await api.get<Profile>('/api/v1/profile');
    return true;
  } catch {
    api.setCredentials(null);
    session.user = null;
    return false;
  }
}

export async function signOut() {
  try {
    await api.del('/auth/sign_out');
  } catch {
    // The server may already have forgotten the session; signing out locally is enough.
  }
  api.setCredentials(null);
  session.user = null;
  session.accountId = 0;
}

/** Opens an account: its settings and the lists every screen uses, fetched together. */
export async function openAccount(id: number) {
  if (session.accountId === id && session.account) return;
  session.accountId = id;
  const [account, inboxes, agents, teams, labels] = await Promise.all([
    api.get<Account>(base()),
    api.get<{ payload: Inbox[] }>(base() + '/inboxes'),
    api.get<Agent[]>(base() + '/agents'),
    api.get<Team[]>(base() + '/teams'),
    api.get<{ payload: Label[] }>(base() + '/labels'),
  ]);
  session.account = account;
  session.inboxes = inboxes.payload;
  session.agents = agents;
  session.teams = teams;
  session.labels = labels.payload;
  applyLocale();
}

export async function updateProfile(fields: { name?: string; display_name?: string; ui_settings?: Record<string, unknown> }) {
  session.user = await api.request<Profile>('PUT', '/api/v1/profile', { profile: fields });
  applyLocale();
}

export function inboxName(id: number) {
  return session.inboxes.find((i) => i.id === id)?.name ?? '';
}
