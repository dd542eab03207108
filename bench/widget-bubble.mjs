// Time from sdk.js's response ending to the bubble being on screen, on a host page of
// another origin carrying Chatwoot's snippet. Median of 10 fresh page loads.
import { launch } from '../frontend/e2e/lib/browser.mjs';
import { onboard, startServer } from '../frontend/e2e/lib/server.mjs';
import { hostPage, widgetInbox } from '../frontend/e2e/lib/widget.mjs';

const server = await startServer();
const browser = await launch();
try {
  const admin = await onboard(server.baseUrl);
  const inbox = await widgetInbox(server.baseUrl, admin);
  const host = await hostPage(server.baseUrl, inbox.website_token);
  const times = [];
  for (let i = 0; i < 10; i++) {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      new MutationObserver((_, obs) => {
        const b = document.querySelector('.woot-widget-bubble');
        if (b) {
          obs.disconnect();
          requestAnimationFrame(() => { window.__bubbleAt = performance.now(); });
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await page.goto(host.url);
    await page.waitForFunction(() => window.__bubbleAt);
    times.push(await page.evaluate(() => {
      const sdk = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/packs/js/sdk.js'));
      return window.__bubbleAt - sdk.responseEnd;
    }));
    await context.close();
  }
  times.sort((a, b) => a - b);
  console.log(`bubble drawn after sdk.js arrived: median ${times[5].toFixed(1)} ms, max ${times[9].toFixed(1)} ms (10 loads)`);
  await host.close();
} finally {
  await browser.close();
  await server.stop();
}
