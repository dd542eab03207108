// Screenshots of the open widget for the docs (light, dark, pt_BR): `node widget-screenshots.mjs`
// after building the binary. Writes docs/widget-*.png.
import { resolve } from 'node:path';
import { launch } from './lib/browser.mjs';
import { api, onboard, startServer } from './lib/server.mjs';
import { hostPage, widgetInbox } from './lib/widget.mjs';

const docs = resolve(import.meta.dirname, '../../docs');
const server = await startServer({ INSTALLATION_NAME: 'Acme Support' });
const browser = await launch();
try {
  const admin = await onboard(server.baseUrl, { name: 'Ada Lovelace' });
  const inbox = await widgetInbox(server.baseUrl, admin);
  const host = await hostPage(server.baseUrl, inbox.website_token);
  for (const [name, settings, text, reply] of [
    ['light', { locale: 'en' }, 'Hi! Can I change the delivery address of order #1234?', 'Sure! What is the new address?'],
    ['dark', { locale: 'en', darkMode: 'dark' }, 'Do you ship to Lisbon?', 'We do, in 2 to 3 working days.'],
    ['pt_BR', { locale: 'pt_BR' }, 'Olá! Vocês entregam em Recife?', 'Entregamos sim, em até 3 dias úteis.'],
  ]) {
    const context = await browser.newContext({ viewport: { width: 900, height: 760 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(host.url + '?settings=' + encodeURIComponent(JSON.stringify(settings)));
    await page.click('.woot-widget-bubble');
    const frame = page.frameLocator('#chatwoot_live_chat_widget');
    await frame.locator('.cw-input').fill(text);
    await frame.locator('.cw-input').press('Enter');
    await frame.locator('.cw-mine').getByText(text).waitFor();
    const list = await api(server.baseUrl, admin.token, 'GET', `/api/v1/accounts/${admin.accountId}/conversations?status=all`);
    const conv = list.data.payload.find((c) => c.last_non_activity_message?.content === text);
    await api(server.baseUrl, admin.token, 'POST', `/api/v1/accounts/${admin.accountId}/conversations/${conv.id}/messages`, { content: reply, message_type: 'outgoing' });
    await frame.locator('.cw-theirs').getByText(reply).waitFor();
    await page.screenshot({ path: resolve(docs, `widget-${name}.png`) });
    await context.close();
  }
  await host.close();
} finally {
  await browser.close();
  await server.stop();
}
