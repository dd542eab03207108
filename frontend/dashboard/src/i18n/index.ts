// A small i18n: nested string tables, `{name}` placeholders, a reactive current locale.
// (vue-i18n would add ~20 KB gzipped to the first load for features this app does not use.)
import { ref } from 'vue';
import en, { type Messages } from './en';
import ptBR from './pt_BR';

export const locales: Record<string, Messages> = { en, pt_BR: ptBR };
export type Locale = keyof typeof locales;

export const locale = ref<string>('en');

/** Chatwoot's locale codes (`pt_BR`), falling back from `pt` and from unknown ones to English. */
export function setLocale(code: string | null | undefined) {
  const c = code && locales[code] ? code : code && locales[code.split(/[_-]/)[0]] ? code.split(/[_-]/)[0] : 'en';
  locale.value = c;
  document.documentElement.lang = c.replace('_', '-');
}

function lookup(table: unknown, key: string): string | undefined {
  let v: unknown = table;
  for (const part of key.split('.')) {
    if (v && typeof v === 'object') v = (v as Record<string, unknown>)[part];
    else return undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

export function t(key: string, params: Record<string, string | number> = {}): string {
  const s = lookup(locales[locale.value], key) ?? lookup(en, key) ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

/** Dates and times in the user's locale. */
export function formatTime(unixSeconds: number) {
  const d = new Date(unixSeconds * 1000);
  const sameDay = new Date().toDateString() === d.toDateString();
  const tag = locale.value.replace('_', '-');
  return sameDay
    ? d.toLocaleTimeString(tag, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(tag, { day: 'numeric', month: 'short' });
}
