// The website widget in a real browser: a plain page on another origin carries Chatwoot's
// snippet; sdk.js draws the bubble and the iframe; a visitor identified with setUser
// chats with an agent who answers through the Application API, live over /cable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch } from '../lib/browser.mjs';
import { api, onboard, startServer } from '../lib/server.mjs';
import { hostPage, identifierHash, recordEvents, until, widgetInbox } from '../lib/widget.mjs';

let server;
let browser;
let admin;
let inbox;
let host;

before(async () => {
  server = await startServer({ INSTALLATION_NAME: 'Acme Support' });
  browser = await launch();
  admin = await onboard(server.baseUrl);
  inbox = await widgetInbox(server.baseUrl, admin);
  host = await hostPage(server.baseUrl, inbox.website_token);
});

after(async () => {
  await host?.close();
  await browser?.close();
  await server?.stop();
});

const base = () => `/api/v1/accounts/${admin.accountId}`;

async function openWidget(page, url = host.url) {
  await page.goto(url);
  await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:ready'));
  await page.click('.woot-widget-bubble');
  const frame = page.frameLocator('#chatwoot_live_chat_widget');
  await frame.locator('.cw-input').waitFor();
  return frame;
}

async function conversationsOf(name) {
  const r = await api(server.baseUrl, admin.token, 'GET', `${base()}/conversations?status=all`);
  return r.data.payload.filter((c) => c.meta.sender.name === name);
}

test('a visitor chats with an agent, live, and keeps the conversation on reload', async () => {
  const context = await browser.newContext();
  await context.addInitScript(recordEvents);
  const page = await context.newPage();
  await page.goto(host.url);
  // The bubble comes from sdk.js alone, before the iframe has answered.
  await page.locator('.woot-widget-bubble').first().waitFor({ state: 'visible' });
  await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:ready'));
  const src = await page.locator('#chatwoot_live_chat_widget').getAttribute('src');
  assert.ok(src.startsWith(server.baseUrl + '/widget?website_token=' + inbox.website_token), src);
  // The visitor's token is kept in the host site's cw_conversation cookie.
  const cookies = await context.cookies(host.url);
  assert.ok(cookies.find((c) => c.name === 'cw_conversation')?.value.split('.').length === 3);

  await page.evaluate(
    ([hash]) => window.$chatwoot.setUser('customer-42', { name: 'Vera Visitor', email: 'vera@example.com', identifier_hash: hash }),
    [identifierHash(inbox.hmac_token, 'customer-42')],
  );
  await page.click('.woot-widget-bubble');
  await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:opened'));
  const frame = page.frameLocator('#chatwoot_live_chat_widget');
  await frame.locator('.cw-welcome-title').getByText('Hi there 👋').waitFor();
  await frame.locator('.cw-tagline').getByText('We make it simple to reach us.').waitFor();
  await frame.locator('.cw-input').fill('Where is my order #1234?');
  await frame.locator('.cw-input').press('Enter');
  await frame.locator('.cw-mine').getByText('Where is my order #1234?').waitFor();

  // It reaches the agent, from the contact setUser named.
  const conv = await until("the conversation", async () => (await conversationsOf("Vera Visitor"))[0]);
  const msgs = await api(server.baseUrl, admin.token, 'GET', `${base()}/conversations/${conv.id}/messages`);
  assert.ok(msgs.payload.some((m) => m.content === 'Where is my order #1234?' && m.message_type === 0));
  const contact = await api(server.baseUrl, admin.token, 'GET', `${base()}/contacts/${conv.meta.sender.id}`);
  assert.equal(contact.payload.email, 'vera@example.com');
  assert.equal(contact.payload.identifier, 'customer-42');

  // The agent answers; the reply shows in the widget without a reload.
  await api(server.baseUrl, admin.token, 'POST', `${base()}/conversations/${conv.id}/messages`, {
    content: 'It ships tomorrow.',
    message_type: 'outgoing',
  });
  await frame.locator('.cw-theirs').getByText('It ships tomorrow.').waitFor();
  await until('chatwoot:on-message', () =>
    page.evaluate(() => window.__cw.some((e) => e.name === 'chatwoot:on-message' && e.detail?.content === 'It ships tomorrow.')),
  );
  // An agent typing shows too.
  await api(server.baseUrl, admin.token, 'POST', `${base()}/conversations/${conv.id}/toggle_typing_status`, { typing_status: 'on' });
  await frame.locator('.cw-typing').waitFor();

  // A reload keeps the conversation (same cookie, same visitor, its history).
  await page.reload();
  const again = await (async () => {
    await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:ready'));
    await page.click('.woot-widget-bubble');
    return page.frameLocator('#chatwoot_live_chat_widget');
  })();
  await again.locator('.cw-mine').getByText('Where is my order #1234?').waitFor();
  await again.locator('.cw-theirs').getByText('It ships tomorrow.').waitFor();
  assert.equal((await conversationsOf('Vera Visitor')).length, 1);

  // Closing the widget tells the host page.
  await again.locator('.cw-close').click();
  await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:closed'));
  assert.equal(await page.locator('.woot-widget-holder').isVisible(), false);
  await context.close();
});

test('HTML and script in messages and names are shown as text, never run', async () => {
  const context = await browser.newContext();
  await context.addInitScript(recordEvents);
  const page = await context.newPage();
  const frame = await openWidget(page);
  const payload = '<img src=x onerror="window.top.__xss=1;window.__xss=1"><script>window.__xss=2</script>';
  await frame.locator('.cw-input').fill(payload);
  await frame.locator('.cw-input').press('Enter');
  await frame.locator('.cw-mine .cw-text').getByText(payload).waitFor();

  const [conv] = await until('the conversation', async () => {
    const r = await api(server.baseUrl, admin.token, 'GET', `${base()}/conversations?status=all`);
    const hit = r.data.payload.filter((c) => c.last_non_activity_message?.content === payload);
    return hit.length ? hit : null;
  });
  await api(server.baseUrl, admin.token, 'POST', `${base()}/conversations/${conv.id}/messages`, {
    content: '<b>bold</b><svg onload="window.__xss=3">',
    message_type: 'outgoing',
  });
  await frame.locator('.cw-theirs .cw-text').getByText('<b>bold</b><svg onload="window.__xss=3">').waitFor();
  const widgetFrame = page.frames().find((f) => f.url().startsWith(server.baseUrl + '/widget'));
  assert.equal(await widgetFrame.evaluate(() => window.__xss ?? null), null);
  assert.equal(await widgetFrame.evaluate(() => document.querySelectorAll('.cw-list img[src="x"], .cw-list script, .cw-list svg, .cw-list b').length), 0);
  assert.equal(await page.evaluate(() => window.__xss ?? null), null);
  await context.close();
});

test('the pt_BR locale shows Portuguese, and setLocale switches it', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  await context.addInitScript(recordEvents);
  const page = await context.newPage();
  const frame = await openWidget(page, host.url + '?settings=' + encodeURIComponent(JSON.stringify({ locale: 'pt_BR' })));
  assert.equal(await frame.locator('.cw-input').getAttribute('placeholder'), 'Digite sua mensagem');
  assert.equal(await frame.locator('.cw-send').innerText(), 'Enviar');
  await frame.locator('.cw-branding').getByText('Desenvolvido por Acme Support').waitFor();
  await page.evaluate(() => window.$chatwoot.setLocale('en'));
  await until('English', async () => (await frame.locator('.cw-input').getAttribute('placeholder')) === 'Type your message');
  await context.close();
});

test('a wrong identifier_hash is refused and reported to the host page', async () => {
  const context = await browser.newContext();
  await context.addInitScript(recordEvents);
  const page = await context.newPage();
  await page.goto(host.url);
  await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:ready'));
  await page.evaluate(() => window.$chatwoot.setUser('customer-43', { name: 'Mallory', identifier_hash: 'f'.repeat(64) }));
  await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:error'));
  const err = await page.evaluate(() => window.__cw.find((e) => e.name === 'chatwoot:error').detail);
  assert.match(JSON.stringify(err), /HMAC failed/);
  const contacts = await api(server.baseUrl, admin.token, 'GET', `${base()}/contacts/search?q=customer-43`);
  assert.equal(contacts.payload.length, 0);
  await context.close();
});

test('the /widget page: unknown tokens, forged visitor tokens and allowed domains', async () => {
  const unknown = await fetch(`${server.baseUrl}/widget?website_token=nope`);
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { error: 'web widget does not exist' });

  const page = await fetch(`${server.baseUrl}/widget?website_token=${inbox.website_token}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const boot = JSON.parse(html.match(/<script type="application\/json" id="cw-boot">(.*?)<\/script>/)[1]);
  assert.equal(boot.website_channel_config.website_token, inbox.website_token);
  assert.ok(boot.contact.pubsub_token);
  assert.doesNotMatch(page.headers.get('content-security-policy'), /frame-ancestors/);

  // The same token names the same visitor; a forged one a new visitor, never that one.
  const same = await (await fetch(`${server.baseUrl}/widget?website_token=${inbox.website_token}&cw_conversation=${boot.website_channel_config.auth_token}`)).text();
  assert.equal(JSON.parse(same.match(/id="cw-boot">(.*?)<\/script>/)[1]).contact.id, boot.contact.id);
  const forged = boot.website_channel_config.auth_token.slice(0, -2) + 'xx';
  const other = await (await fetch(`${server.baseUrl}/widget?website_token=${inbox.website_token}&cw_conversation=${forged}`)).text();
  assert.notEqual(JSON.parse(other.match(/id="cw-boot">(.*?)<\/script>/)[1]).contact.id, boot.contact.id);

  // allowed_domains, edited through the Application API, limits who may frame the page.
  await api(server.baseUrl, admin.token, 'PATCH', `${base()}/inboxes/${inbox.id}`, { channel: { allowed_domains: 'https://shop.example, *.acme.example' } });
  const limited = await fetch(`${server.baseUrl}/widget?website_token=${inbox.website_token}`);
  assert.match(limited.headers.get('content-security-policy'), /frame-ancestors https:\/\/shop\.example \*\.acme\.example$/);
  await api(server.baseUrl, admin.token, 'PATCH', `${base()}/inboxes/${inbox.id}`, { channel: { allowed_domains: '' } });
});

test('inbox settings edited through the API change the widget without a redeploy', async () => {
  await api(server.baseUrl, admin.token, 'PATCH', `${base()}/inboxes/${inbox.id}`, {
    channel: { welcome_title: 'Olá, bem-vindo', widget_color: '#059669', reply_time: 'in_a_day' },
  });
  const context = await browser.newContext();
  await context.addInitScript(recordEvents);
  const page = await context.newPage();
  const frame = await openWidget(page);
  await frame.locator('.cw-welcome-title').getByText('Olá, bem-vindo').waitFor();
  const color = await frame.locator('.cw-header').evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(color, 'rgb(5, 150, 105)');
  await context.close();
  await api(server.baseUrl, admin.token, 'PATCH', `${base()}/inboxes/${inbox.id}`, {
    channel: { welcome_title: 'Hi there 👋', widget_color: '#7c3aed', reply_time: 'in_a_few_minutes' },
  });
});

test('pre-chat form, attachments, an input_select question and the unread badge', async () => {
  const site = await widgetInbox(server.baseUrl, admin, {
    pre_chat_form_enabled: true,
    pre_chat_form_options: {
      pre_chat_message: 'Tell us who you are',
      pre_chat_fields: [
        { field_type: 'standard', label: 'Full name', name: 'fullName', type: 'text', required: true, enabled: true },
        { field_type: 'standard', label: 'Email', name: 'emailAddress', type: 'email', required: true, enabled: true },
      ],
    },
  });
  const page2 = await hostPage(server.baseUrl, site.website_token);
  const context = await browser.newContext();
  await context.addInitScript(recordEvents);
  const page = await context.newPage();
  try {
    await page.goto(page2.url);
    await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:ready'));
    await page.click('.woot-widget-bubble');
    const frame = page.frameLocator('#chatwoot_live_chat_widget');
    await frame.locator('.cw-prechat').getByText('Tell us who you are').waitFor();
    // Required fields are checked before anything is sent.
    await frame.locator('.cw-prechat button[type=submit]').click();
    await frame.locator('.cw-prechat .cw-notice').getByText('This field is required').waitFor();
    await frame.locator('input[name=fullName]').fill('Paula Prechat');
    await frame.locator('input[name=emailAddress]').fill('paula@example.com');
    await frame.locator('.cw-prechat textarea[name=message]').fill('I need an invoice');
    await frame.locator('.cw-prechat button[type=submit]').click();
    await frame.locator('.cw-mine').getByText('I need an invoice').waitFor();
    const conv = await until('the pre-chat conversation', async () => (await conversationsOf('Paula Prechat'))[0]);
    assert.equal(conv.meta.sender.email, 'paula@example.com');

    // An attachment: refused when its type is not allowed, sent otherwise.
    await frame.locator('input[type=file]').setInputFiles({ name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
    await frame.locator('.cw-composer .cw-notice').getByText('This type of file cannot be sent').waitFor();
    await frame.locator('input[type=file]').setInputFiles({ name: 'invoice.txt', mimeType: 'text/plain', buffer: Buffer.from('order 1234') });
    await until('the attachment', async () => {
      const m = await api(server.baseUrl, admin.token, 'GET', `${base()}/conversations/${conv.id}/messages`);
      return m.payload.some((x) => x.attachments?.length === 1);
    });
    await frame.locator('.cw-file').first().waitFor();

    // A question with options; the visitor's choice is recorded on the message.
    const q = await api(server.baseUrl, admin.token, 'POST', `${base()}/conversations/${conv.id}/messages`, {
      content: 'Which invoice?',
      content_type: 'input_select',
      content_attributes: { items: [{ title: 'March', value: 'march' }, { title: 'April', value: 'april' }] },
    });
    await frame.locator('.cw-option').getByText('April').click();
    await frame.locator('.cw-submitted').getByText('April').waitFor();
    await until('the submitted value', async () => {
      const m = await api(server.baseUrl, admin.token, 'GET', `${base()}/conversations/${conv.id}/messages`);
      return m.payload.find((x) => x.id === q.id)?.content_attributes?.submitted_values?.[0]?.value === 'april';
    });

    // Closed widget: an agent's reply raises the bubble's unread badge.
    await frame.locator('.cw-close').click();
    await page.waitForFunction(() => window.__cw.some((e) => e.name === 'chatwoot:closed'));
    await api(server.baseUrl, admin.token, 'POST', `${base()}/conversations/${conv.id}/messages`, { content: 'Sent it!', message_type: 'outgoing' });
    await page.locator('.woot-unread').getByText('1').waitFor();
    await page.click('.woot-widget-bubble');
    assert.equal(await page.locator('.woot-unread').isVisible(), false);
    await frame.locator('.cw-theirs').getByText('Sent it!').waitFor();
  } finally {
    await context.close();
    await page2.close();
  }
});
