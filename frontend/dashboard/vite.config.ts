// Builds into frontend/dist: the page at dist/dashboard/index.html (filled in and served by
// crates/web/src/dashboard.rs) and hashed chunks under dist/assets/dashboard/ (served at
// /assets/dashboard/…). Only these two folders are emptied: the widget builds next to them.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';

const dist = resolve(import.meta.dirname, '../dist');

function cleanOwnOutput(): Plugin {
  return {
    name: 'clean-own-output',
    apply: 'build',
    buildStart() {
      rmSync(resolve(dist, 'dashboard'), { recursive: true, force: true });
      rmSync(resolve(dist, 'assets/dashboard'), { recursive: true, force: true });
    },
    // The page goes under dist/dashboard/ rather than dist/, which is shared.
    writeBundle() {
      mkdirSync(resolve(dist, 'dashboard'), { recursive: true });
      renameSync(resolve(dist, 'index.html'), resolve(dist, 'dashboard/index.html'));
    },
  };
}

export default defineConfig({
  plugins: [vue(), cleanOwnOutput()],
  base: '/',
  build: {
    outDir: dist,
    emptyOutDir: false,
    assetsDir: 'assets/dashboard',
    target: 'es2022',
    sourcemap: false,
    rollupOptions: {
      input: resolve(import.meta.dirname, 'index.html'),
    },
  },
});
