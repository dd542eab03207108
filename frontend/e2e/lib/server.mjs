// Starts the real `switchboard` binary on a free loopback port with a fresh data
// directory, so each server is a new installation, and offers the few API calls the tests
// need to set one up. The database is a SQLite file there, or, when TEST_DATABASE_URL and
// TEST_REDIS_URL are set (as for the Rust tests), a new PostgreSQL database and a Redis
// key prefix of its own. The binary is target/debug/switchboard (or $SWITCHBOARD_BIN);
// `npm test` expects it built (scripts/test builds it).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../..');

export function binaryPath() {
  if (process.env.SWITCHBOARD_BIN) return process.env.SWITCHBOARD_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(repo, process.env.CARGO_TARGET_DIR) : join(repo, 'target');
  return join(target, 'debug', 'switchboard');
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export async function startServer(env = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const shared = sharedServices();
  const child = spawn(binaryPath(), ['serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      BIND_ADDRESS: '127.0.0.1',
      DATA_DIR: dataDir,
      FRONTEND_URL: baseUrl,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...shared.env,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((ok) => child.once('exit', ok));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      shared.drop();
      throw new Error(`switchboard exited with ${child.exitCode}`);
    }
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('switchboard did not become ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      shared.drop();
    },
  };
}

// A database of its own on the test PostgreSQL server (named like the Rust tests' ones, so
// CI's cleanup drops any left behind), and a Redis prefix of its own.
function sharedServices() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return { env: {}, drop() {} };
  const name = `sb_test_e2e_${randomBytes(6).toString('hex')}`;
  execFileSync('psql', [url, '-qc', `CREATE DATABASE ${name}`]);
  const db = new URL(url);
  db.pathname = `/${name}`;
  const env = { DATABASE_URL: db.toString(), REDIS_KEY_PREFIX: `${name}:` };
  if (process.env.TEST_REDIS_URL) env.REDIS_URL = process.env.TEST_REDIS_URL;
  return {
    env,
    drop() {
      execFileSync('psql', [url, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
    },
  };
}

// Calls the API with an `api_access_token` and returns the parsed JSON, failing on a non-2xx.
export async function api(baseUrl, token, method, path, body) {
  const r = await fetch(baseUrl + path, {
    method,
    headers: { api_access_token: token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The first visit's onboarding, done through its form; returns the administrator, their
// account id and their access token.
export async function onboard(baseUrl, { name = 'Ada Admin', company = 'Acme', email = 'ada@example.com', password = 'Secret-Passw0rd!' } = {}) {
  const form = new URLSearchParams({
    'user[name]': name,
    'user[company]': company,
    'user[email]': email,
    'user[password]': password,
  });
  const r = await fetch(`${baseUrl}/installation/onboarding`, { method: 'POST', body: form, redirect: 'manual' });
  if (r.status !== 303 && r.status !== 302) throw new Error(`onboarding answered ${r.status}: ${await r.text()}`);
  const signIn = await fetch(`${baseUrl}/auth/sign_in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!signIn.ok) throw new Error(`sign in answered ${signIn.status}`);
  const { data } = await signIn.json();
  return { email, password, user: data, accountId: data.account_id, token: data.access_token };
}
