// Helpers for the dashboard's browser tests: a customer who writes through the Client API
// (as a website or an integration would), and signing in through the dashboard's own form.
import { api } from './server.mjs';

// An API inbox of the account, created by its administrator.
export async function apiInbox(baseUrl, admin, name = 'API') {
  return api(baseUrl, admin.token, 'POST', `/api/v1/accounts/${admin.accountId}/inboxes`, {
    name,
    channel: { type: 'api' },
  });
}

// A contact of the inbox who opens a conversation and can write into it.
export async function customer(baseUrl, inbox, { name = 'Carla Customer', email } = {}) {
  const base = `/public/api/v1/inboxes/${inbox.inbox_identifier}`;
  const contact = await api(baseUrl, '', 'POST', `${base}/contacts`, { name, ...(email ? { email } : {}) });
  const conversation = await api(baseUrl, '', 'POST', `${base}/contacts/${contact.source_id}/conversations`, {});
  const messages = `${base}/contacts/${contact.source_id}/conversations/${conversation.id}/messages`;
  return {
    contact,
    conversation,
    say: (content) => api(baseUrl, '', 'POST', messages, { content }),
    messages: () => api(baseUrl, '', 'GET', messages),
  };
}

// Signs in through the dashboard's form and waits for the inbox.
export async function signIn(page, baseUrl, { email, password }) {
  await page.goto(baseUrl + '/app/login');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
}
