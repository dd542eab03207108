// The first visit of a new installation, in a real browser: the home page leads to the
// onboarding form, which creates the account and its administrator, who can then sign in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer({ INSTALLATION_NAME: 'Acme Support' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the first visit creates the first account and administrator', async () => {
  const page = await browser.newPage();
  await page.goto(server.baseUrl + '/');
  assert.match(page.url(), /\/installation\/onboarding$/);
  assert.equal(await page.locator('h1').innerText(), 'Welcome to Acme Support');

  await page.fill('#name', 'Ada Admin');
  await page.fill('#company', 'Acme');
  await page.fill('#email', 'ada@example.com');
  await page.fill('#password', 'Secret-Passw0rd!');
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/installation'));

  // Onboarding is closed now, and the administrator signs in with what they chose.
  const again = await page.goto(server.baseUrl + '/installation/onboarding');
  assert.ok(!again.url().endsWith('/installation/onboarding'));
  const r = await fetch(server.baseUrl + '/auth/sign_in', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'ada@example.com', password: 'Secret-Passw0rd!' }),
  });
  assert.equal(r.status, 200);
  const { data } = await r.json();
  assert.equal(data.name, 'Ada Admin');
  assert.equal(data.role, 'administrator');
});

test('a weak password is refused on the page, and nothing is created', async () => {
  const fresh = await startServer();
  try {
    const page = await browser.newPage();
    await page.goto(fresh.baseUrl + '/installation/onboarding');
    await page.fill('#name', 'Bob');
    await page.fill('#company', 'Bobco');
    await page.fill('#email', 'bob@example.com');
    await page.fill('#password', 'weakweak');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    assert.match(page.url(), /\/installation\/onboarding$/);
    const r = await fetch(fresh.baseUrl + '/auth/sign_in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bob@example.com', password: 'weakweak' }),
    });
    assert.equal(r.status, 401);
  } finally {
    await fresh.stop();
  }
});
