// Light, dark, or whatever the system prefers; remembered per browser.
import { ref } from 'vue';

export type Theme = 'light' | 'dark' | 'system';
const KEY = 'switchboard.theme';

export const theme = ref<Theme>((localStorage.getItem(KEY) as Theme) || 'system');

export function applyTheme(t: Theme = theme.value) {
  theme.value = t;
  localStorage.setItem(KEY, t);
  const dark = t === 'dark' || (t === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
