// The agent dashboard in a real browser against the built binary: sign in, see a
// customer's conversation, reply, receive live messages, assign, label, resolve, switch
// language, show the operator's brand, and never run a customer's HTML.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch } from '../lib/browser.mjs';
import { apiInbox, customer, signIn } from '../lib/dashboard.mjs';
import { api, onboard, startServer } from '../lib/server.mjs';

let server;
let browser;
let admin;
let inbox;

const BRAND = {
  INSTALLATION_NAME: 'Acme Support',
  LOGO: '/brand/acme-logo.svg',
  BRAND_PRIMARY_COLOR: '#aa3300',
};

before(async () => {
  server = await startServer(BRAND);
  browser = await launch();
  admin = await onboard(server.baseUrl);
  inbox = await apiInbox(server.baseUrl, admin, 'Website API');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const accountPath = (p) => `/api/v1/accounts/${admin.accountId}${p}`;

async function openConversation(page, id) {
  await page.goto(`${server.baseUrl}/app/accounts/${admin.accountId}/conversations/${id}`);
  await page.waitForSelector('[data-testid=conversation-title]');
}

test('the home page leads to the sign-in, which shows the operator brand and not ours', async () => {
  const page = await browser.newPage();
  await page.goto(server.baseUrl + '/');
  await page.waitForURL(/\/app\/login/);
  assert.equal(await page.title(), 'Acme Support');
  assert.equal(await page.locator('h1').innerText(), 'Sign in to Acme Support');
  assert.equal(await page.locator('img.brand-logo').getAttribute('src'), '/brand/acme-logo.svg');
  const html = await page.content();
  assert.doesNotMatch(html, /switchboard/i, 'no Switchboard text or link once a brand is set');
  const colour = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim());
  assert.equal(colour, '#aa3300');
  await page.close();
});

test('a wrong password is refused on the page', async () => {
  const page = await browser.newPage();
  await page.goto(server.baseUrl + '/app/login');
  await page.fill('input[name=email]', admin.email);
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]');
  assert.match(page.url(), /\/app\/login/);
  await page.close();
});

test('an agent sees a customer conversation, replies, and sees new messages arrive live', async () => {
  const carla = await customer(server.baseUrl, inbox, { name: 'Carla Customer' });
  await carla.say('Hello, my order is late');
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);

  // New conversations are unassigned; the tab counts say so.
  await page.click('[data-testid=tab-unassigned]');
  const item = page.locator(`.conversation-item[data-id="${carla.conversation.id}"]`);
  await item.waitFor();
  assert.match(await item.innerText(), /Carla Customer/);
  assert.match(await item.innerText(), /Hello, my order is late/);
  assert.match(await page.locator('[data-testid=tab-unassigned] .count').innerText(), /^[1-9]/);

  await item.click();
  await page.waitForSelector('[data-testid=messages] >> text=Hello, my order is late');
  assert.equal(await page.locator('[data-testid=contact-name]').innerText(), 'Carla Customer');

  // Reply with Enter.
  await page.fill('[data-testid=composer]', 'Sorry about that, checking now.');
  await page.press('[data-testid=composer]', 'Enter');
  await page.waitForSelector('.message.outgoing >> text=Sorry about that, checking now.');
  const seen = await carla.messages();
  const reply = seen.find((m) => m.content === 'Sorry about that, checking now.');
  assert.ok(reply, 'the customer receives the reply');
  assert.equal(reply.message_type, 1);

  // A private note stays with the agents.
  await page.click('[data-testid=mode-note]');
  await page.fill('[data-testid=composer]', 'Customer is a VIP');
  await page.click('[data-testid=send]');
  await page.waitForSelector('.message.private >> text=Customer is a VIP');
  const after = await carla.messages();
  assert.ok(!after.some((m) => m.content === 'Customer is a VIP'), 'notes are not sent to the customer');

  // A new message from the customer shows up without a reload.
  await carla.say('Any news?');
  await page.waitForSelector('.message.incoming >> text=Any news?', { timeout: 10_000 });
  await page.close();
});

test('assign, label and resolve from the conversation, as the API then shows', async () => {
  await api(server.baseUrl, admin.token, 'POST', accountPath('/labels'), { title: 'billing', color: '#ff0000' });
  const dan = await customer(server.baseUrl, inbox, { name: 'Dan Doe' });
  await dan.say('Please refund me');
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  await openConversation(page, dan.conversation.id);
  const convPath = accountPath(`/conversations/${dan.conversation.id}`);

  await page.selectOption('[data-testid=assignee]', String(admin.user.id));
  await waitFor(async () => (await api(server.baseUrl, admin.token, 'GET', convPath)).meta.assignee?.id === admin.user.id);
  // The conversation is now the agent's: it shows under Mine.
  await page.click('[data-testid=tab-me]');
  await page.locator(`.conversation-item[data-id="${dan.conversation.id}"]`).waitFor();

  await page.click('[data-testid=labels]');
  await page.check('.labels-picker input[value=billing]');
  await page.locator('[data-testid=conversation-labels] >> text=billing').waitFor();
  assert.deepEqual((await api(server.baseUrl, admin.token, 'GET', convPath)).labels, ['billing']);

  await page.click('[data-testid=resolve]');
  await page.locator('[data-testid=reopen]').waitFor();
  assert.equal((await api(server.baseUrl, admin.token, 'GET', convPath)).status, 'resolved');
  // Resolved conversations leave the Open list.
  await page.locator(`.conversation-item[data-id="${dan.conversation.id}"]`).waitFor({ state: 'detached' });
  await page.close();
});

test('a message with HTML is shown as text and never runs', async () => {
  const eve = await customer(server.baseUrl, inbox, { name: '<b>Eve</b><img src=x onerror="window.__nameXss=1">' });
  const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>Hi';
  await eve.say(payload);
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  await openConversation(page, eve.conversation.id);
  const text = page.locator('.message.incoming [data-testid=message-text]').first();
  await text.waitFor();
  assert.equal(await text.innerText(), payload);
  assert.equal(await page.locator('.message.incoming img').count(), 0);
  assert.equal(await page.locator('[data-testid=conversation-title]').innerText(), '<b>Eve</b><img src=x onerror="window.__nameXss=1">');
  assert.equal(await page.evaluate(() => window.__xss ?? window.__nameXss ?? null), null);
  await page.close();
});

test('after the socket drops, the app catches up without duplicates or a reload', async () => {
  const finn = await customer(server.baseUrl, inbox, { name: 'Finn' });
  await finn.say('first');
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  await openConversation(page, finn.conversation.id);
  await page.waitForSelector('.message.incoming >> text=first');
  await page.locator('[data-testid=connection].on').waitFor();
  await page.evaluate(() => {
    window.__loaded = true;
    window.__switchboardCable.reconnect();
  });
  // Written while the socket is away: delivered by the catch-up once it is back.
  await finn.say('while you were away');
  await page.waitForSelector('.message.incoming >> text=while you were away', { timeout: 15_000 });
  await finn.say('and after');
  await page.waitForSelector('.message.incoming >> text=and after', { timeout: 10_000 });
  assert.equal(await page.locator('.message.incoming >> text=while you were away').count(), 1);
  assert.equal(await page.locator('.message.incoming >> text=first').count(), 1);
  assert.equal(await page.evaluate(() => window.__loaded), true, 'no full reload');
  await page.close();
});

test('the language follows the profile: Brazilian Portuguese', async () => {
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  assert.equal(await page.locator('[data-testid=tab-me]').innerText().then((s) => s.split(' ')[0]), 'Mine');
  await page.goto(`${server.baseUrl}/app/accounts/${admin.accountId}/profile/settings`);
  await page.selectOption('[data-testid=profile-locale]', 'pt_BR');
  await page.click('button[type=submit]');
  await page.locator('[role=status]').waitFor();
  assert.equal(await page.locator('[role=status]').innerText(), 'Salvo');
  await page.goto(`${server.baseUrl}/app/accounts/${admin.accountId}/conversations`);
  await page.locator('[data-testid=tab-me]').waitFor();
  assert.equal(await page.locator('[data-testid=tab-me]').innerText().then((s) => s.split(' ')[0]), 'Minhas');
  assert.equal(await page.locator('.nav-link').first().innerText(), 'Conversas');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'pt-BR');
  // Back to English for the other tests.
  const profile = await api(server.baseUrl, admin.token, 'GET', '/api/v1/profile');
  assert.equal(profile.ui_settings.locale, 'pt_BR');
  await api(server.baseUrl, admin.token, 'PUT', '/api/v1/profile', { profile: { ui_settings: {} } });
  await page.close();
});

async function waitFor(check, ms = 5_000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an account the user is not in is never opened', async () => {
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  const other = admin.accountId + 1000;
  await page.goto(`${server.baseUrl}/app/accounts/${other}/conversations`);
  await page.waitForURL(new RegExp(`/app/accounts/${admin.accountId}/conversations`));
  const r = await fetch(`${server.baseUrl}/api/v1/accounts/${other}/conversations`, {
    headers: { api_access_token: admin.token },
  });
  assert.ok([401, 404].includes(r.status), `and the API refuses it too (${r.status})`);
  await page.close();
});

test('canned responses on "/", mute and mark unread', async () => {
  await api(server.baseUrl, admin.token, 'POST', accountPath('/canned_responses'), {
    short_code: 'thanks',
    content: 'Thank you for reaching out!',
  });
  const gil = await customer(server.baseUrl, inbox, { name: 'Gil' });
  await gil.say('Hi');
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  await openConversation(page, gil.conversation.id);
  const convPath = accountPath(`/conversations/${gil.conversation.id}`);

  await page.fill('[data-testid=composer]', '/than');
  await page.locator('[data-testid=canned] >> text=Thank you for reaching out!').waitFor();
  await page.press('[data-testid=composer]', 'Enter');
  assert.equal(await page.inputValue('[data-testid=composer]'), 'Thank you for reaching out!');
  await page.press('[data-testid=composer]', 'Enter');
  await page.waitForSelector('.message.outgoing >> text=Thank you for reaching out!');

  await page.click('[data-testid=mute]');
  await waitFor(async () => (await api(server.baseUrl, admin.token, 'GET', convPath)).muted === true);
  await page.locator('[data-testid=mute]', { hasText: 'Unmute' }).waitFor();

  await gil.say('Still there?');
  await page.click('[data-testid=mark-unread]');
  await page.waitForURL(new RegExp(`/conversations$`));
  await page.click('[data-testid=tab-all]');
  const badge = page.locator(`.conversation-item[data-id="${gil.conversation.id}"] .badge`);
  await badge.waitFor();
  await page.close();
});

test('search finds a conversation by what the customer wrote', async () => {
  const hana = await customer(server.baseUrl, inbox, { name: 'Hana' });
  await hana.say('My parcel tracking code is ZX-99172');
  const page = await browser.newPage();
  await signIn(page, server.baseUrl, admin);
  await page.fill('[data-testid=search]', 'ZX-99172');
  const hit = page.locator(`[data-testid=search-results] .conversation-item[data-id="${hana.conversation.id}"]`);
  await hit.waitFor();
  assert.equal(await page.locator('[data-testid=search-results] .conversation-item').count(), 1);
  await hit.click();
  await page.waitForSelector('[data-testid=messages] >> text=My parcel tracking code is ZX-99172');
  // Clearing the query brings the tabs back.
  await page.fill('[data-testid=search]', '');
  await page.locator('[data-testid=tab-me]').waitFor();
  await page.close();
});
