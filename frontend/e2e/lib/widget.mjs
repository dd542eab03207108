// Helpers for the widget's browser tests: a website inbox made through the Application
// API, and a plain host page on another origin carrying Chatwoot's standard snippet, as a
// customer's site would.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { api } from './server.mjs';

export async function widgetInbox(baseUrl, admin, channel = {}) {
  const inbox = await api(baseUrl, admin.token, 'POST', `/api/v1/accounts/${admin.accountId}/inboxes`, {
    name: 'Acme Shop',
    channel: {
      type: 'web_widget',
      website_url: 'https://shop.example',
      widget_color: '#7c3aed',
      welcome_title: 'Hi there 👋',
      welcome_tagline: 'We make it simple to reach us.',
      ...channel,
    },
  });
  // The administrator answers this inbox's conversations.
  await api(baseUrl, admin.token, 'POST', `/api/v1/accounts/${admin.accountId}/inbox_members`, {
    inbox_id: inbox.id,
    user_ids: [admin.user.id],
  });
  return inbox;
}

export function identifierHash(hmacToken, identifier) {
  return createHmac('sha256', hmacToken).update(identifier).digest('hex');
}

// Serves one HTML page with the snippet on a port of its own (so another origin than the
// server's), with `settings` as window.chatwootSettings.
export async function hostPage(baseUrl, websiteToken, settings = {}) {
  const html = (s) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Acme Shop</title></head>
<body>
<h1>Acme Shop</h1>
<p>A plain page of a customer's website.</p>
<script>
  window.chatwootSettings = ${JSON.stringify(s)};
</script>
<script>
  (function(d,t) {
    var BASE_URL="${baseUrl}";
    var g=d.createElement(t),s=d.getElementsByTagName(t)[0];
    g.src=BASE_URL+"/packs/js/sdk.js";
    g.defer = true;
    g.async = true;
    s.parentNode.insertBefore(g,s);
    g.onload=function(){
      window.chatwootSDK.run({
        websiteToken: '${websiteToken}',
        baseUrl: BASE_URL
      })
    }
  })(document,"script");
</script>
</body></html>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    // `?settings=<json>` lets a test change chatwootSettings per visit.
    const s = url.searchParams.has('settings') ? JSON.parse(url.searchParams.get('settings')) : settings;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html(s));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

// Records the SDK's host-window events in `window.__cw` from the first script on.
export const recordEvents = () => {
  window.__cw = [];
  for (const name of ['chatwoot:ready', 'chatwoot:error', 'chatwoot:on-message', 'chatwoot:on-start-conversation', 'chatwoot:opened', 'chatwoot:closed']) {
    window.addEventListener(name, (e) => window.__cw.push({ name, detail: e.detail ?? null }));
  }
};

export async function until(what, fn, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
