// Takes the dashboard screenshots in docs/screenshots/ (light, dark, pt_BR) from a fresh
// server with a few conversations. Not a test: run `node dashboard-screenshots.mjs` after building
// the binary and the dashboard.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { launch } from './lib/browser.mjs';
import { apiInbox, customer, signIn } from './lib/dashboard.mjs';
import { api, onboard, startServer } from './lib/server.mjs';

const out = resolve(import.meta.dirname, '../../docs/screenshots');
mkdirSync(out, { recursive: true });

const server = await startServer({ INSTALLATION_NAME: 'Acme Support' });
const browser = await launch();
try {
  const admin = await onboard(server.baseUrl, { name: 'Ada Lovelace' });
  const acc = (p) => `/api/v1/accounts/${admin.accountId}${p}`;
  const inbox = await apiInbox(server.baseUrl, admin, 'Website');
  for (const [title, color] of [['billing', '#e5484d'], ['vip', '#7c66dc'], ['shipping', '#30a46c']]) {
    await api(server.baseUrl, admin.token, 'POST', acc('/labels'), { title, color });
  }
  await api(server.baseUrl, admin.token, 'POST', acc('/teams'), { name: 'Support' });
  const people = [
    ['Maria Silva', 'Hi! My order #4512 has not arrived yet. Can you check?'],
    ['John Carter', 'Can I change the delivery address after paying?'],
    ['Aiko Tanaka', 'The invoice shows the wrong company name.'],
    ['Lucas Pereira', 'Is there a discount for yearly plans?'],
  ];
  let first;
  for (const [name, text] of people) {
    const c = await customer(server.baseUrl, inbox, { name, email: `${name.split(' ')[0].toLowerCase()}@example.com` });
    await c.say(text);
    first ??= c;
  }
  const path = acc(`/conversations/${first.conversation.id}`);
  await api(server.baseUrl, admin.token, 'POST', `${path}/messages`, { content: 'Hello Maria! Let me look into it right away.' });
  await api(server.baseUrl, admin.token, 'POST', `${path}/messages`, { content: 'Carrier says it is in the local depot.', private: true });
  await first.say('Thank you, that was quick.');
  await api(server.baseUrl, admin.token, 'POST', `${path}/labels`, { labels: ['shipping', 'vip'] });
  await api(server.baseUrl, admin.token, 'POST', `${path}/assignments`, { assignee_id: admin.user.id });

  const shots = [
    ['light', 'en'],
    ['dark', 'en'],
    ['light', 'pt_BR'],
  ];
  for (const [theme, locale] of shots) {
    await api(server.baseUrl, admin.token, 'PUT', '/api/v1/profile', { profile: { ui_settings: locale === 'en' ? {} : { locale } } });
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 }, colorScheme: theme });
    const page = await context.newPage();
    await signIn(page, server.baseUrl, admin);
    const suffix = `${theme}${locale === 'en' ? '' : `-${locale}`}`;
    await page.click('[data-testid=tab-all]');
    await page.waitForSelector('.conversation-item');
    await page.screenshot({ path: `${out}/inbox-${suffix}.png` });
    await page.click(`.conversation-item[data-id="${first.conversation.id}"]`);
    await page.waitForSelector('[data-testid=contact-name]');
    await page.waitForSelector('text=Thank you, that was quick.');
    await page.screenshot({ path: `${out}/conversation-${suffix}.png` });
    await context.close();
  }
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
