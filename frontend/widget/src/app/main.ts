// The widget app in the SDK's iframe (`/widget`). The page carries its bootstrap (the
// inbox's settings, the visitor and its token); the app shows the conversation, sends
// what the visitor writes, and follows /cable for the agents' side. Plain TypeScript and
// the DOM: the whole app is a few kilobytes, and every piece of content goes in as text.
import './style.css';
import { Api, ApiError, type Dict, type Message } from './api';
import { Cable } from './cable';
import { h, richText, safeUrl } from './dom';
import { isRtl, resolveLocale, setLocale, t, type Key } from './i18n';

const PREFIX = 'chatwoot-widget:';
const EMOJI = '😀 😃 😄 😁 😅 😂 🙂 😉 😊 😍 😘 😎 🤔 😐 😴 😢 😭 😡 👍 👎 👏 🙏 👋 💪 🎉 ❤️ 🔥 ✅ ❌ ⭐ 💡 📎 📞 ✉️ 🕐 🚀'.split(' ');
const ACCEPTED = /^(image|audio|video)\/|^text\/(plain|csv|rtf)$|^application\/(pdf|json|zip|x-7z-compressed|vnd\.rar|x-tar|msword|rtf|vnd\.ms-(excel|powerpoint)|vnd\.oasis\.opendocument\.\w+|vnd\.openxmlformats-officedocument\.[\w.]+)$/;
const RATINGS = ['😞', '😑', '😐', '😊', '😍'];
// Icons as SVG paths (24×24), so they draw the same without an emoji font.
const ICONS: Record<string, string> = {
  attach: 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z',
  emoji: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zm-3.5-9a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm7 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zM12 17.5a5.5 5.5 0 0 0 5.1-3.5H6.9a5.5 5.5 0 0 0 5.1 3.5z',
  end: 'M13 3h-2v10h2V3zm4.8 2.2-1.4 1.4A7 7 0 1 1 7.6 6.6L6.2 5.2A9 9 0 1 0 17.8 5.2z',
  popout: 'M14 3v2h3.6l-9.8 9.8 1.4 1.4L19 6.4V10h2V3h-7zM19 19H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7h-2v7z',
  close: 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z',
};

function icon(name: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '18');
  svg.setAttribute('height', '18');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

interface Agent {
  id: number;
  name: string;
  avatar_url: string;
  availability_status: string;
}

interface Field {
  field_type?: string;
  label?: string;
  name: string;
  type?: string;
  placeholder?: string;
  required?: boolean;
  enabled?: boolean;
  values?: string[];
  regex_pattern?: string;
  regex_cue?: string;
}

const bootEl = document.getElementById('cw-boot');
const boot: Dict | null = bootEl ? JSON.parse(bootEl.textContent || 'null') : null;
const app = document.getElementById('app') as HTMLElement;
const inFrame = window.parent !== window;
const query = new URLSearchParams(location.search);

function post(event: string, data: Dict = {}) {
  if (inFrame) window.parent.postMessage(PREFIX + JSON.stringify({ event, ...data }), '*');
}

if (!boot) {
  setLocale(query.get('locale') || navigator.language);
  app.append(h('p', { class: 'cw-fatal' }, t('errorLoading')));
  post('error', { message: 'widget bootstrap missing' });
} else {
  start(boot);
}

function start(boot: Dict) {
  const cfg = boot.website_channel_config as Dict;
  const global = (boot.global_config || {}) as Dict;
  let contact = boot.contact as Dict;
  const accountId = boot.account_id as number;
  const features = new Set((cfg.enabled_features as string[]) || []);
  // What the host page set through `window.chatwootSettings` (config-set).
  const host: Dict = {};
  let localeWanted = query.get('locale') || navigator.language || String(cfg.locale || 'en');
  const api = new Api(String(cfg.website_token), String(cfg.auth_token), resolveLocale(localeWanted));
  let conversation: { id?: number; status?: string } = {};
  let messages: Message[] = [];
  let agents: Agent[] = [];
  let isOpen = !inFrame;
  let unread = 0;
  let typing: { name: string; until: number } | null = null;
  let connected = true;
  let referrer = '';
  let triggered = false;
  let startedHere = false;
  let allHistory = false;

  post('loaded', { config: { authToken: cfg.auth_token, widgetColor: cfg.widget_color, channelConfig: cfg } });

  const color = typeof cfg.widget_color === 'string' && /^#[0-9a-f]{3,8}$/i.test(cfg.widget_color) ? cfg.widget_color : '#1f93ff';
  document.documentElement.style.setProperty('--cw-color', color);

  // ---- layout: header, list, footer; the composer is built once and kept ----
  const header = h('header', { class: 'cw-header' });
  const list = h('main', { class: 'cw-list', 'aria-live': 'polite' });
  const footer = h('footer', { class: 'cw-footer' });
  app.append(h('div', { class: 'cw-root' }, header, list, footer));

  const textarea = h('textarea', { class: 'cw-input', rows: 1, 'aria-label': 'message' }) as HTMLTextAreaElement;
  const fileInput = h('input', { type: 'file', class: 'cw-hidden', tabindex: -1 }) as HTMLInputElement;
  const emojiPanel = h('div', { class: 'cw-emoji cw-hidden', role: 'listbox' });
  const notice = h('p', { class: 'cw-notice cw-hidden', role: 'alert' });
  const sendBtn = h('button', { type: 'button', class: 'cw-send' });
  const attachBtn = h('button', { type: 'button', class: 'cw-icon-btn cw-attach' }, icon('attach'));
  const emojiBtn = h('button', { type: 'button', class: 'cw-icon-btn cw-emoji-btn' }, icon('emoji'));
  const composer = h('div', { class: 'cw-composer' }, emojiPanel, notice, h('div', { class: 'cw-compose-row' }, textarea, emojiBtn, attachBtn, sendBtn, fileInput));

  for (const e of EMOJI) {
    emojiPanel.append(
      h('button', {
        type: 'button',
        class: 'cw-emoji-item',
        onclick: () => {
          const at = textarea.selectionStart ?? textarea.value.length;
          textarea.value = textarea.value.slice(0, at) + e + textarea.value.slice(textarea.selectionEnd ?? at);
          emojiPanel.classList.add('cw-hidden');
          textarea.focus();
        },
      }, e),
    );
  }
  emojiBtn.addEventListener('click', () => emojiPanel.classList.toggle('cw-hidden'));
  attachBtn.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    fileInput.value = '';
    if (f) sendFile(f);
  });
  sendBtn.addEventListener('click', () => sendText());
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendText();
    }
  });
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let typingOn = false;
  textarea.addEventListener('input', () => {
    if (!conversation.id) return;
    if (!typingOn) {
      typingOn = true;
      api.typing(true).catch(() => {});
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      typingOn = false;
      api.typing(false).catch(() => {});
    }, 2000);
  });

  function showNotice(key: Key | null, vars: Record<string, string | number> = {}) {
    notice.textContent = key ? t(key, vars) : '';
    notice.classList.toggle('cw-hidden', !key);
  }

  function feature(name: string, hostKey: string): boolean {
    return features.has(name) && host[hostKey] !== false;
  }

  // ---- availability: agents' presence and the inbox's working hours ----
  function inWorkingHours(): boolean {
    if (!cfg.working_hours_enabled) return true;
    const hours = (cfg.working_hours as Dict[]) || [];
    let parts: Intl.DateTimeFormatPart[];
    try {
      parts = new Intl.DateTimeFormat('en-US', { timeZone: String(cfg.timezone || 'UTC'), weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date());
    } catch {
      parts = new Intl.DateTimeFormat('en-US', { weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date());
    }
    const get = (type: string) => parts.find((p) => p.type === type)?.value || '';
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
    const minute = Number(get('hour')) * 60 + Number(get('minute'));
    const today = hours.find((w) => w.day_of_week === day);
    if (!today || today.closed_all_day) return false;
    if (today.open_all_day) return true;
    const open = Number(today.open_hour) * 60 + Number(today.open_minutes || 0);
    const close = Number(today.close_hour) * 60 + Number(today.close_minutes || 0);
    return minute >= open && minute < close;
  }

  function isOnline(): boolean {
    return inWorkingHours() && agents.some((a) => a.availability_status === 'online');
  }

  function replyTimeText(): string {
    if (!isOnline()) return host.unavailableMessage ? String(host.unavailableMessage) : t('offline');
    const key = ({ in_a_few_minutes: 'replyMinutes', in_a_few_hours: 'replyHours', in_a_day: 'replyDay' } as Record<string, Key>)[String(cfg.reply_time)];
    return host.availableMessage ? String(host.availableMessage) : t(key || 'replyMinutes');
  }

  // ---- rendering ----
  function avatar(name: string, url: unknown, cls = 'cw-avatar') {
    const src = safeUrl(url);
    return src ? h('img', { class: cls, src, alt: name }) : h('span', { class: `${cls} cw-initial`, 'aria-hidden': 'true' }, (name || '?').trim().charAt(0).toUpperCase());
  }

  function renderHeader() {
    const online = isOnline();
    const actions = h('div', { class: 'cw-actions' });
    if (host.showPopoutButton && inFrame) actions.append(h('button', { type: 'button', class: 'cw-icon-btn', title: t('popout'), 'aria-label': t('popout'), onclick: () => post('popout') }, icon('popout')));
    if (feature('end_conversation', 'enableEndConversation') && conversation.id && conversation.status !== 'resolved') {
      actions.append(h('button', { type: 'button', class: 'cw-icon-btn cw-end', title: t('endConversation'), 'aria-label': t('endConversation'), onclick: endConversation }, icon('end')));
    }
    if (inFrame) actions.append(h('button', { type: 'button', class: 'cw-icon-btn cw-close', title: t('close'), 'aria-label': t('close'), onclick: () => post('closeWindow') }, icon('close')));
    header.replaceChildren(
      h('div', { class: 'cw-brand' }, avatar(String(cfg.website_name || ''), cfg.avatar_url), h('div', {}, h('h1', { class: 'cw-name' }, String(cfg.website_name || t('chatWithUs'))), h('p', { class: 'cw-status' }, h('span', { class: `cw-dot ${online ? 'cw-on' : ''}` }), online ? t('online') : t('offline')))),
      actions,
    );
  }

  function intro(): HTMLElement {
    const title = String(host.welcomeTitle || cfg.welcome_title || '');
    const tagline = String(host.welcomeDescription || cfg.welcome_tagline || '');
    const online = isOnline();
    return h(
      'section',
      { class: 'cw-intro' },
      title && h('h2', { class: 'cw-welcome-title' }, title),
      tagline && h('p', { class: 'cw-tagline' }, tagline),
      agents.length > 0 && h('div', { class: 'cw-agents' }, agents.slice(0, 5).map((a) => h('span', { class: 'cw-agent', title: a.name }, avatar(a.name, a.avatar_url), a.availability_status === 'online' && h('span', { class: 'cw-agent-on' })))),
      h('p', { class: 'cw-reply-time' }, replyTimeText()),
      !online && cfg.working_hours_enabled && cfg.out_of_office_message ? h('p', { class: 'cw-away' }, String(cfg.out_of_office_message)) : null,
    );
  }

  function time(m: Message) {
    const d = new Date(m.created_at * 1000);
    return d.toLocaleTimeString(api.locale.replace('_', '-'), { hour: '2-digit', minute: '2-digit' });
  }

  function attachmentView(a: NonNullable<Message['attachments']>[number]) {
    const url = safeUrl(a.data_url);
    if (!url) return null;
    if (a.file_type === 'image') return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, h('img', { class: 'cw-image', src: safeUrl(a.thumb_url) || url, alt: '' }));
    if (a.file_type === 'audio') return h('audio', { controls: true, src: url });
    if (a.file_type === 'video') return h('video', { controls: true, src: url, class: 'cw-image' });
    const name = decodeURIComponent(url.split('/').pop()?.split('?')[0] || t('download'));
    return h('a', { class: 'cw-file', href: url, target: '_blank', rel: 'noopener noreferrer', download: '' }, '📄 ', name);
  }

  function interactive(m: Message): HTMLElement | null {
    const attrs = m.content_attributes || {};
    const items = (Array.isArray(attrs.items) ? attrs.items : []) as Dict[];
    const submitted = attrs.submitted_values;
    switch (m.content_type) {
      case 'input_select': {
        const chosen = Array.isArray(submitted) ? (submitted as Dict[]).map((s) => String(s.title ?? s.value)) : [];
        if (chosen.length) return h('p', { class: 'cw-submitted' }, '✓ ', chosen.join(', '));
        return h('div', { class: 'cw-options' }, items.map((it) => h('button', { type: 'button', class: 'cw-option', onclick: () => update(m, { message: { submitted_values: [{ title: it.title, value: it.value }] } }, { submitted_values: [{ title: it.title, value: it.value }] }) }, String(it.title ?? ''))));
      }
      case 'cards':
        return h('div', { class: 'cw-cards' }, items.map((it) => h('div', { class: 'cw-card' },
          safeUrl(it.media_url) && h('img', { class: 'cw-card-media', src: safeUrl(it.media_url), alt: '' }),
          h('strong', {}, String(it.title ?? '')),
          it.description ? h('p', {}, String(it.description)) : null,
          ((it.actions as Dict[]) || []).map((a) => {
            const href = safeUrl(a.uri);
            if (a.type === 'link' && href) return h('a', { class: 'cw-option', href, target: '_blank', rel: 'noopener noreferrer' }, String(a.text ?? ''));
            return h('button', { type: 'button', class: 'cw-option', onclick: () => { post('postback', { data: a.payload }); sendText(String(a.text ?? a.payload ?? '')); } }, String(a.text ?? ''));
          }),
        )));
      case 'article':
        return h('div', { class: 'cw-articles' }, items.map((it) => {
          const href = safeUrl(it.link);
          return h('div', { class: 'cw-article' }, h('strong', {}, String(it.title ?? '')), it.description ? h('p', {}, String(it.description)) : null, href && h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, t('readMore')));
        }));
      case 'form': {
        if (submitted) return h('div', { class: 'cw-submitted' }, (submitted as Dict[]).map((s) => h('p', {}, `${s.title ?? s.name}: ${s.value ?? ''}`)));
        const form = h('form', { class: 'cw-form', novalidate: true }) as HTMLFormElement;
        for (const it of items) {
          const name = String(it.name ?? '');
          const label = String(it.label ?? name);
          let input: HTMLElement;
          if (it.type === 'select') input = h('select', { name, required: !!it.required }, ((it.options as Dict[]) || []).map((o) => h('option', { value: String(o.value ?? '') }, String(o.label ?? o.value ?? ''))));
          else if (it.type === 'text_area') input = h('textarea', { name, placeholder: String(it.placeholder ?? ''), required: !!it.required });
          else input = h('input', { name, type: it.type === 'email' ? 'email' : 'text', placeholder: String(it.placeholder ?? ''), required: !!it.required });
          form.append(h('label', {}, label, input));
        }
        form.append(h('button', { type: 'submit', class: 'cw-primary' }, t('submit')));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          if (!form.checkValidity()) return form.reportValidity();
          const values = items.map((it) => ({ name: it.name, title: it.label ?? it.name, value: (form.elements.namedItem(String(it.name)) as HTMLInputElement | null)?.value ?? '' }));
          update(m, { message: { submitted_values: values } }, { submitted_values: values });
        });
        return form;
      }
      case 'input_email': {
        if (attrs.submitted_email) return h('p', { class: 'cw-submitted' }, '✓ ', String(attrs.submitted_email));
        const input = h('input', { type: 'email', required: true, placeholder: t('emailPlaceholder'), 'aria-label': t('email') }) as HTMLInputElement;
        const form = h('form', { class: 'cw-form cw-inline', novalidate: true }, input, h('button', { type: 'submit', class: 'cw-primary' }, t('submit')));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.value)) return showNotice('emailInvalid');
          showNotice(null);
          update(m, { contact: { email: input.value }, message: { submitted_email: input.value } }, { submitted_email: input.value });
        });
        return form;
      }
      case 'input_csat': {
        const response = (submitted as Dict | undefined)?.csat_survey_response as Dict | undefined;
        if (response) return h('p', { class: 'cw-submitted' }, `${RATINGS[Number(response.rating) - 1] || ''} ${t('csatThanks')}`);
        let rating = 0;
        const feedback = h('textarea', { class: 'cw-csat-feedback', placeholder: t('csatFeedback'), rows: 2 }) as HTMLTextAreaElement;
        const row = h('div', { class: 'cw-ratings', role: 'radiogroup', 'aria-label': t('csatQuestion') });
        RATINGS.forEach((r, i) => row.append(h('button', { type: 'button', class: 'cw-rating', 'aria-label': String(i + 1), onclick: (e: Event) => { rating = i + 1; row.querySelectorAll('button').forEach((b) => b.classList.remove('cw-selected')); (e.currentTarget as HTMLElement).classList.add('cw-selected'); } }, r)));
        const submit = h('button', { type: 'button', class: 'cw-primary', onclick: () => { if (!rating) return; const v = { csat_survey_response: { rating, feedback_message: feedback.value } }; update(m, { message: { submitted_values: v } }, { submitted_values: v }); } }, t('submit'));
        return h('div', { class: 'cw-csat' }, h('p', {}, t('csatQuestion')), row, feedback, submit);
      }
    }
    return null;
  }

  function bubble(m: Message): HTMLElement {
    if (m.message_type === 2) return h('div', { class: 'cw-activity' }, m.content || '');
    const mine = m.message_type === 0;
    const name = mine ? t('you') : m.sender?.name || String(cfg.website_name || '');
    const body = h('div', { class: `cw-bubble ${mine ? 'cw-mine' : 'cw-theirs'}${m.failed ? ' cw-failed' : ''}` });
    if (m.content) body.append(h('div', { class: 'cw-text' }, richText(m.content)));
    for (const a of m.attachments || []) body.append(attachmentView(a) || '');
    const extra = interactive(m);
    if (extra) body.append(extra);
    const meta = h('span', { class: 'cw-meta' }, m.pending ? t('sending') : m.failed ? t('failed') : time(m));
    if (m.failed) meta.addEventListener('click', () => retry(m));
    return h('div', { class: `cw-row ${mine ? 'cw-row-mine' : ''}`, 'data-id': m.id || '' },
      !mine && avatar(name, m.sender?.thumbnail || m.sender?.avatar_url, 'cw-avatar cw-small'),
      h('div', { class: 'cw-col' }, !mine && h('span', { class: 'cw-sender' }, name), body, meta));
  }

  function renderList() {
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(intro(), ...messages.map(bubble));
    if (typing && typing.until > Date.now()) list.append(h('div', { class: 'cw-typing' }, t('typing', { name: typing.name })));
    if (!connected) list.append(h('div', { class: 'cw-activity' }, t('reconnecting')));
    if (atBottom || true) list.scrollTop = list.scrollHeight;
  }

  function preChatFields(): Field[] {
    const opts = (cfg.pre_chat_form_options || {}) as Dict;
    return ((opts.pre_chat_fields as Field[]) || []).filter((f) => f.enabled);
  }

  function needsPreChat(): boolean {
    return !!cfg.pre_chat_form_enabled && !conversation.id && !startedHere;
  }

  function preChatForm(): HTMLElement {
    const opts = (cfg.pre_chat_form_options || {}) as Dict;
    const fields = preChatFields().filter((f) => !(f.name === 'emailAddress' && contact.email) && !(f.name === 'fullName' && contact.name && contact.identifier));
    const form = h('form', { class: 'cw-form cw-prechat', novalidate: true }) as HTMLFormElement;
    form.append(h('p', {}, String(opts.pre_chat_message || t('preChatIntro'))));
    const labels: Record<string, Key> = { emailAddress: 'email', fullName: 'fullName', phoneNumber: 'phone' };
    for (const f of fields) {
      const label = f.label || (labels[f.name] ? t(labels[f.name]) : f.name);
      let input: HTMLElement;
      if (f.type === 'list') input = h('select', { name: f.name, required: !!f.required }, h('option', { value: '' }, ''), (f.values || []).map((v) => h('option', { value: v }, v)));
      else if (f.type === 'checkbox') input = h('input', { name: f.name, type: 'checkbox' });
      else input = h('input', { name: f.name, type: f.type === 'email' ? 'email' : f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text', placeholder: f.placeholder || '', required: !!f.required });
      form.append(h('label', {}, label, input));
    }
    const message = h('textarea', { name: 'message', rows: 3, required: true, placeholder: t('placeholder') }) as HTMLTextAreaElement;
    form.append(h('label', {}, t('message'), message), h('p', { class: 'cw-notice cw-hidden', role: 'alert' }), h('button', { type: 'submit', class: 'cw-primary' }, t('startConversation')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const err = form.querySelector('.cw-notice') as HTMLElement;
      const say = (k: Key | null) => { err.textContent = k ? t(k) : ''; err.classList.toggle('cw-hidden', !k); };
      const contactFields: Dict = {};
      const contactAttrs: Dict = {};
      const convAttrs: Dict = {};
      for (const f of fields) {
        const input = form.elements.namedItem(f.name) as HTMLInputElement;
        const value = f.type === 'checkbox' ? input.checked : input.value.trim();
        if (f.required && (value === '' || value === false)) return say('required');
        if (typeof value === 'string' && value && f.regex_pattern) {
          try {
            if (!new RegExp(f.regex_pattern).test(value)) return say('invalid');
          } catch {
            // An inbox's broken pattern must not lock visitors out.
          }
        }
        if (f.type === 'email' && value && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(value))) return say('emailInvalid');
        if (value === '') continue;
        if (f.name === 'emailAddress') contactFields.email = value;
        else if (f.name === 'fullName') contactFields.name = value;
        else if (f.name === 'phoneNumber') contactFields.phone_number = value;
        else if (f.field_type === 'conversation_attribute') convAttrs[f.name] = value;
        else contactAttrs[f.name] = value;
      }
      if (!message.value.trim()) return say('required');
      say(null);
      try {
        const c = await api.startConversation(contactFields, message.value.trim(), convAttrs);
        if (Object.keys(contactAttrs).length) await api.updateContact({ custom_attributes: contactAttrs }).catch(() => {});
        startedHere = true;
        conversation = { id: c.id, status: String(c.status || 'open') };
        for (const m of c.messages || []) upsert(m);
        post('onEvent', { eventIdentifier: 'chatwoot:on-start-conversation', data: { hasConversation: true } });
        renderAll();
      } catch (ex) {
        err.textContent = ex instanceof ApiError ? ex.message : t('failed');
        err.classList.remove('cw-hidden');
      }
    });
    return form;
  }

  function renderFooter() {
    const parts: (HTMLElement | null)[] = [];
    const resolvedClosed = conversation.status === 'resolved' && cfg.allow_messages_after_resolved === false;
    if (needsPreChat()) parts.push(preChatForm());
    else if (resolvedClosed) {
      parts.push(h('div', { class: 'cw-ended' }, h('p', {}, t('resolved')), h('button', { type: 'button', class: 'cw-primary', onclick: () => { conversation = {}; messages = []; startedHere = true; renderAll(); } }, t('newConversation'))));
    } else {
      textarea.placeholder = t('placeholder');
      sendBtn.textContent = t('send');
      attachBtn.title = t('attach');
      attachBtn.setAttribute('aria-label', t('attach'));
      emojiBtn.title = t('emoji');
      emojiBtn.setAttribute('aria-label', t('emoji'));
      attachBtn.classList.toggle('cw-hidden', !feature('attachments', 'enableFileUpload'));
      emojiBtn.classList.toggle('cw-hidden', !feature('emoji_picker', 'enableEmojiPicker'));
      parts.push(composer);
    }
    if (!cfg.disable_branding) parts.push(h('p', { class: 'cw-branding' }, t('poweredBy', { name: String(global.BRAND_NAME || global.INSTALLATION_NAME || 'Switchboard') })));
    footer.replaceChildren(...parts.filter((p): p is HTMLElement => !!p));
  }

  function applyLocale(wanted: string) {
    localeWanted = wanted || localeWanted;
    const code = resolveLocale(localeWanted);
    setLocale(code);
    api.locale = code;
    document.documentElement.lang = code.replace('_', '-');
    document.documentElement.dir = isRtl(localeWanted) ? 'rtl' : 'ltr';
  }

  function applyScheme() {
    const mode = String(host.darkMode || 'light');
    const dark = mode === 'dark' || (mode === 'auto' && window.matchMedia?.('(prefers-color-scheme: dark)').matches);
    document.documentElement.classList.toggle('dark', !!dark);
    document.documentElement.classList.toggle('cw-flat', host.widgetStyle === 'flat');
  }

  function renderAll() {
    renderHeader();
    renderList();
    renderFooter();
  }

  // ---- messages ----
  function upsert(m: Message) {
    if (m.private) return;
    if (m.echo_id) messages = messages.filter((x) => !(x.pending || x.failed) || x.echo_id !== m.echo_id);
    else if (m.message_type === 0 && m.content && !messages.some((x) => x.id === m.id)) {
      // The socket or a catch-up fetch can bring the visitor's own message before the
      // POST that sent it answers: it replaces its pending copy, rather than show twice.
      const i = messages.findIndex((x) => x.pending && x.content === m.content);
      if (i >= 0) messages.splice(i, 1);
    }
    const i = messages.findIndex((x) => x.id === m.id && !x.pending);
    if (i >= 0) messages[i] = { ...messages[i], ...m };
    else messages.push(m);
    messages.sort((a, b) => (a.pending ? 1 : 0) - (b.pending ? 1 : 0) || a.created_at - b.created_at || a.id - b.id);
  }

  async function update(m: Message, body: Dict, local: Dict) {
    try {
      await api.updateMessage(m.id, body);
      m.content_attributes = { ...(m.content_attributes || {}), ...local };
      renderList();
    } catch (e) {
      showNotice('failed');
      post('error', { message: e instanceof Error ? e.message : String(e) });
    }
  }

  function pending(content: string | null, echo: string): Message {
    return { id: 0, content, message_type: 0, content_type: 'text', content_attributes: {}, created_at: Date.now() / 1000, conversation_id: conversation.id || 0, echo_id: echo, pending: true };
  }

  async function deliver(m: Message, go: () => Promise<Message>) {
    m.pending = true;
    m.failed = false;
    renderList();
    try {
      const saved = await go();
      const first = !conversation.id;
      conversation = { id: saved.conversation_id, status: conversation.status === 'resolved' ? 'open' : conversation.status || 'open' };
      startedHere = true;
      upsert({ ...saved, echo_id: m.echo_id });
      if (first) post('onEvent', { eventIdentifier: 'chatwoot:on-start-conversation', data: { hasConversation: true } });
      showNotice(null);
      renderAll();
    } catch (e) {
      m.pending = false;
      m.failed = true;
      showNotice(e instanceof ApiError && e.status !== 500 ? null : 'failed');
      if (e instanceof ApiError && e.message) notice.textContent = e.message;
      renderList();
    }
  }

  const retries = new Map<string, () => Promise<Message>>();
  function retry(m: Message) {
    const go = m.echo_id ? retries.get(m.echo_id) : undefined;
    if (go) deliver(m, go);
  }

  function sendText(text?: string) {
    const content = (text ?? textarea.value).trim();
    if (!content) return;
    if (text === undefined) textarea.value = '';
    emojiPanel.classList.add('cw-hidden');
    const echo = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const m = pending(content, echo);
    messages.push(m);
    const go = () => api.send(content, echo);
    retries.set(echo, go);
    if (typingOn) {
      typingOn = false;
      clearTimeout(typingTimer);
      api.typing(false).catch(() => {});
    }
    deliver(m, go);
  }

  function sendFile(f: File) {
    const maxMb = Number(global.MAXIMUM_FILE_UPLOAD_SIZE) || 40;
    if (f.size > maxMb * 1024 * 1024) return showNotice('fileTooBig', { size: maxMb });
    if (!ACCEPTED.test(f.type)) return showNotice('fileType');
    showNotice(null);
    const echo = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const m = pending(null, echo);
    const local = URL.createObjectURL(f);
    m.attachments = [{ id: 0, file_type: f.type.startsWith('image/') ? 'image' : 'file', data_url: local }];
    messages.push(m);
    const go = () => api.upload(f, echo);
    retries.set(echo, go);
    deliver(m, go);
  }

  async function endConversation() {
    try {
      await api.resolve();
      conversation.status = 'resolved';
      renderAll();
    } catch (e) {
      post('error', { message: e instanceof Error ? e.message : String(e) });
    }
  }

  async function loadConversation() {
    try {
      const c = await api.conversation();
      if (c.id) {
        conversation = { id: c.id, status: c.status };
        const r = await api.messages();
        for (const m of r.payload) upsert(m);
        allHistory = r.payload.length < 20;
      }
    } catch (e) {
      post('error', { message: e instanceof Error ? e.message : String(e) });
    }
    renderAll();
  }

  async function loadOlder() {
    if (allHistory || !messages.length) return;
    const oldest = messages.find((m) => m.id > 0);
    if (!oldest) return;
    const before = list.scrollHeight;
    const r = await api.messages(oldest.id).catch(() => ({ payload: [] as Message[] }));
    if (r.payload.length < 20) allHistory = true;
    for (const m of r.payload) upsert(m);
    renderList();
    list.scrollTop = list.scrollHeight - before;
  }
  list.addEventListener('scroll', () => {
    if (list.scrollTop < 10) loadOlder();
  });

  async function loadAgents() {
    try {
      agents = (await api.members()).payload;
      renderHeader();
      renderList();
    } catch {
      // The intro shows without avatars.
    }
  }

  function markSeen() {
    if (isOpen && conversation.id) api.seen().catch(() => {});
  }

  function setUnread(n: number) {
    unread = n;
    post('handleNotificationDot', { unreadMessageCount: unread });
  }

  // ---- /cable ----
  const cable = new Cable(
    { pubsub_token: contact.pubsub_token, account_id: accountId },
    (event, data) => {
      switch (event) {
        case 'message.created':
        case 'message.updated': {
          const m = data as unknown as Message;
          if (m.private || (conversation.id && m.conversation_id !== conversation.id)) return;
          if (!conversation.id) conversation = { id: m.conversation_id, status: 'open' };
          const known = messages.some((x) => x.id === m.id);
          upsert(m);
          if (event === 'message.created' && !known && m.message_type !== 0) {
            if (typing) typing = null;
            post('onEvent', { eventIdentifier: 'chatwoot:on-message', data: m });
            if (!isOpen && m.message_type !== 2) {
              setUnread(unread + 1);
              post('playAudio');
            } else markSeen();
          }
          renderAll();
          break;
        }
        case 'conversation.typing_on':
        case 'conversation.typing_off': {
          const conv = (data.conversation || {}) as Dict;
          if (data.is_private || (conversation.id && conv.id !== conversation.id)) return;
          const user = (data.user || {}) as Dict;
          typing = event.endsWith('on') ? { name: String(user.available_name || user.name || t('someone')), until: Date.now() + 30_000 } : null;
          renderList();
          if (typing) setTimeout(renderList, 30_100);
          break;
        }
        case 'conversation.status_changed':
        case 'conversation.updated':
        case 'conversation.created': {
          if (conversation.id && data.id !== conversation.id) return;
          conversation = { id: Number(data.id), status: String(data.status || conversation.status || 'open') };
          renderAll();
          break;
        }
        case 'presence.update': {
          const users = (data.users || {}) as Record<string, string>;
          for (const a of agents) if (users[a.id]) a.availability_status = users[a.id];
          for (const a of agents) if (!users[a.id]) a.availability_status = 'offline';
          renderHeader();
          renderList();
          break;
        }
      }
    },
    (up) => {
      connected = up;
      // Whatever happened before this subscription (the first, or one after a drop) is
      // fetched once it is confirmed, so nothing falls between the page and the socket.
      if (up) loadConversation();
      else renderList();
    },
  );

  // ---- the host page (sdk.js) ----
  window.addEventListener('message', async (e: MessageEvent) => {
    if (!inFrame || e.source !== window.parent || typeof e.data !== 'string' || !e.data.startsWith(PREFIX)) return;
    let m: Dict;
    try {
      m = JSON.parse(e.data.slice(PREFIX.length));
    } catch {
      return;
    }
    try {
      switch (m.event) {
        case 'config-set':
          Object.assign(host, m);
          if (typeof m.locale === 'string' && m.locale) applyLocale(m.locale);
          applyScheme();
          renderAll();
          break;
        case 'set-locale':
          applyLocale(String(m.locale || ''));
          renderAll();
          break;
        case 'set-color-scheme':
          host.darkMode = m.darkMode;
          applyScheme();
          break;
        case 'change-url':
          referrer = String(m.referrerURL || '');
          break;
        case 'toggle-open':
        case 'widget-visible': {
          const open = !!(m.isOpen ?? m.isVisible);
          if (open === isOpen) break;
          isOpen = open;
          if (isOpen) {
            setUnread(0);
            markSeen();
            textarea.focus();
            if (!triggered) {
              triggered = true;
              api.event('webwidget.triggered', { initiated_at: { timestamp: new Date().toString() }, referer: referrer, widget_language: api.locale, browser_language: navigator.language }).catch(() => {});
            }
          }
          break;
        }
        case 'set-user': {
          const r = await api.setUser(String(m.identifier), (m.user || {}) as Dict);
          if (r.widget_auth_token) {
            // Another contact now: start again as that contact, with its token.
            post('setAuthCookie', { data: { widgetAuthToken: r.widget_auth_token } });
            const q = new URLSearchParams(location.search);
            q.set('cw_conversation', String(r.widget_auth_token));
            cable.close();
            location.replace(`${location.pathname}?${q}`);
          } else {
            contact = { ...contact, ...r };
          }
          break;
        }
        case 'set-custom-attributes':
          await api.updateContact({ custom_attributes: m.customAttributes });
          break;
        case 'delete-custom-attribute':
          await api.deleteContactAttribute(String(m.customAttribute));
          break;
        case 'set-conversation-custom-attributes':
          if (conversation.id) await api.setConversationAttributes((m.customAttributes || {}) as Dict);
          break;
        case 'delete-conversation-custom-attribute':
          if (conversation.id) await api.deleteConversationAttribute(String(m.customAttribute));
          break;
        case 'set-label':
          if (conversation.id) await api.addLabel(String(m.label));
          break;
        case 'remove-label':
          if (conversation.id) await api.removeLabel(String(m.label));
          break;
      }
    } catch (err) {
      post('error', { message: err instanceof Error ? err.message : String(err), action: m.event });
    }
  });

  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', applyScheme);
  applyLocale(localeWanted);
  applyScheme();
  renderAll();
  loadConversation();
  loadAgents();
  cable.connect();
}
