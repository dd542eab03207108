// Single sign-on in a real browser: the login page's button goes through a real OpenID
// provider (crates/testkit/oidc, the certified oidc-provider) and lands in the dashboard,
// signed in through the session the server hands over in `cw_d_session_info`.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { launch } from '../lib/browser.mjs';
import { freePort, onboard, startServer } from '../lib/server.mjs';

const providerDir = join(dirname(fileURLToPath(import.meta.url)), '../../../crates/testkit/oidc');
const CLIENT = { id: 'switchboard-e2e', secret: 'an-e2e-client-secret-for-loopback' };

let server;
let provider;
let browser;

async function startProvider(port, redirectUri, accounts, defaultLogin) {
  if (!existsSync(join(providerDir, 'node_modules/oidc-provider'))) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: providerDir, stdio: 'inherit' });
  }
  const config = { port, clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUri, accounts, defaultLogin };
  const child = spawn('node', ['provider.mjs'], {
    cwd: providerDir,
    env: { ...process.env, OIDC_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((ok, fail) => {
    child.stdout.once('data', (d) => (String(d).startsWith('ready') ? ok() : fail(new Error(String(d)))));
    child.once('exit', (code) => fail(new Error(`provider exited with ${code}`)));
  });
  return child;
}

before(async () => {
  const port = await freePort();
  server = await startServer({
    OIDC_ISSUER_URL: `http://127.0.0.1:${port}`,
    OIDC_CLIENT_ID: CLIENT.id,
    OIDC_CLIENT_SECRET: CLIENT.secret,
    OIDC_BUTTON_LABEL: 'Sign in with Acme ID',
    DISABLE_PASSWORD_LOGIN: 'true',
  });
  // Onboarding creates the administrator; onboard() then signs in with the password,
  // which DISABLE_PASSWORD_LOGIN refuses: the installation exists all the same.
  await assert.rejects(onboard(server.baseUrl), /sign in answered 403/);
  provider = await startProvider(
    port,
    `${server.baseUrl}/auth/oidc/callback`,
    { ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Admin' } },
    'ada',
  );
  browser = await launch();
});

after(async () => {
  await browser?.close();
  provider?.kill();
  await server?.stop();
});

test('the login page offers only single sign-on, which signs the agent in', async () => {
  const page = await browser.newPage();
  await page.goto(server.baseUrl + '/app/login');
  const button = page.getByRole('link', { name: 'Sign in with Acme ID' });
  await button.waitFor();
  assert.equal(await page.locator('input[name=password]').count(), 0, 'no password form');
  await button.click();
  await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('switchboard.session') ?? 'null'));
  assert.equal(stored?.uid, 'ada@example.com');
  const cookies = await page.evaluate(() => document.cookie);
  assert.ok(!cookies.includes('cw_d_session_info'), `the hand-off cookie is gone: ${cookies}`);
  // The session survives a reload, as a password sign-in does.
  await page.reload();
  await page.waitForURL(/\/app\/accounts\/\d+\/conversations/);
  await page.close();
});

test('a refused sign-in says why on the login page', async () => {
  const page = await browser.newPage();
  await page.goto(server.baseUrl + '/app/login?error=sso_unverified_email');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /not verified/);
  await page.close();
});
