// Removes only this package's output from the shared frontend/dist (the dashboard builds
// there too), so a build never leaves stale chunks behind nor deletes someone else's.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '../../dist');
for (const p of ['widget', 'assets/widget', 'packs/js/sdk.js']) {
  rmSync(resolve(dist, p), { recursive: true, force: true });
}
