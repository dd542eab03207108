// sdk.js: what a site's Chatwoot snippet loads. It draws the bubble at once (before the
// iframe has loaded), holds the widget's iframe, keeps the visitor's token in the
// `cw_conversation` cookie of the host site, and offers `window.$chatwoot`. It speaks to
// the iframe with Chatwoot's postMessage protocol: `chatwoot-widget:` + JSON.
import { css } from './style';

type Dict = Record<string, unknown>;

interface Settings {
  locale?: string;
  baseDomain?: string;
  useBrowserLanguage?: boolean;
  hideMessageBubble?: boolean;
  position?: 'left' | 'right';
  type?: 'standard' | 'expanded_bubble';
  launcherTitle?: string;
  showPopoutButton?: boolean;
  showUnreadMessagesDialog?: boolean;
  widgetStyle?: 'standard' | 'flat';
  darkMode?: 'light' | 'auto' | 'dark';
  welcomeTitle?: string;
  welcomeDescription?: string;
  availableMessage?: string;
  unavailableMessage?: string;
  enableFileUpload?: boolean;
  enableEmojiPicker?: boolean;
  enableEndConversation?: boolean;
}

interface RunOptions {
  websiteToken: string;
  baseUrl: string;
}

declare global {
  interface Window {
    chatwootSettings?: Settings;
    chatwootSDK: { run(o: RunOptions): void };
    $chatwoot: Dict;
  }
}

const PREFIX = 'chatwoot-widget:';
const COOKIE = 'cw_conversation';
const YEAR = 365 * 24 * 3600;

function readCookie(name: string): string {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(name + '='));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : '';
}

function writeCookie(name: string, value: string, domain: string | undefined, maxAge = YEAR) {
  let c = `${name}=${encodeURIComponent(value)}; path=/; max-age=${maxAge}; SameSite=Lax`;
  if (domain) c += `; domain=${domain}`;
  if (location.protocol === 'https:') c += '; Secure';
  document.cookie = c;
}

// A short digest of the last setUser data, so a page that calls setUser on every load
// does not send the same update each time (Chatwoot keeps an md5 in `cw_user_<token>`).
function digest(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36) + s.length.toString(36);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  return e;
}

const CHAT_ICON =
  '<svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 3C6.5 3 2 6.6 2 11c0 2.4 1.3 4.5 3.4 6L4.5 21l4.3-2.3c1 .3 2.1.4 3.2.4 5.5 0 10-3.6 10-8s-4.5-8-10-8z"/></svg>';
const CLOSE_ICON =
  '<svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12 19 6.4 17.6 5 12 10.6z"/></svg>';

function run({ websiteToken, baseUrl }: RunOptions) {
  if (window.$chatwoot && (window.$chatwoot as Dict).hasLoaded) return;
  const settings: Settings = window.chatwootSettings || {};
  const base = String(baseUrl || '').replace(/\/+$/, '');
  const origin = new URL(base, location.href).origin;
  const userKey = `cw_user_${websiteToken}`;
  const position = settings.position === 'left' ? 'left' : 'right';
  const expanded = settings.type === 'expanded_bubble';
  let locale = settings.locale || (settings.useBrowserLanguage ? navigator.language : '') || '';
  let isOpen = false;
  let ready = false;
  let unread = 0;
  const queue: Dict[] = [];

  const style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);

  // The bubble first: it shows before the iframe has loaded anything.
  const bubble = el('button', `woot-widget-bubble woot-elements--${position}${expanded ? ' woot-widget--expanded' : ''}`);
  bubble.type = 'button';
  bubble.setAttribute('aria-label', settings.launcherTitle || 'Chat with us');
  bubble.innerHTML = CHAT_ICON;
  if (expanded) {
    const label = el('span', 'woot-bubble-label');
    label.textContent = settings.launcherTitle || 'Chat with us';
    bubble.appendChild(label);
  }
  const dot = el('span', 'woot-unread woot--hide');
  bubble.appendChild(dot);
  if (settings.hideMessageBubble) bubble.classList.add('woot--hide');

  const closeBubble = el('button', `woot-widget-bubble woot--close woot-elements--${position} woot--hide`);
  closeBubble.type = 'button';
  closeBubble.setAttribute('aria-label', 'Close chat');
  closeBubble.innerHTML = CLOSE_ICON;

  const holder = el('div', `woot-widget-holder woot-elements--${position} woot--hide`);
  if (settings.widgetStyle === 'flat') holder.classList.add('woot-widget-holder--flat');
  const iframe = document.createElement('iframe');
  iframe.id = 'chatwoot_live_chat_widget';
  iframe.title = 'Chat';
  iframe.setAttribute('allow', 'camera;microphone;fullscreen;clipboard-read;clipboard-write');
  holder.appendChild(iframe);

  const bubbleHolder = el('div', 'woot--bubble-holder');
  bubbleHolder.append(bubble, closeBubble);
  document.body.append(holder, bubbleHolder);

  function widgetUrl(withToken: boolean): string {
    const q = new URLSearchParams({ website_token: websiteToken });
    const token = withToken ? readCookie(COOKIE) : '';
    if (token) q.set('cw_conversation', token);
    if (locale) q.set('locale', locale);
    return `${base}/widget?${q}`;
  }
  iframe.src = widgetUrl(true);

  function send(event: string, data: Dict = {}) {
    const msg = { event, ...data };
    if (!ready) {
      queue.push(msg);
      return;
    }
    iframe.contentWindow?.postMessage(PREFIX + JSON.stringify(msg), origin);
  }

  function emit(name: string, detail?: unknown) {
    window.dispatchEvent(new CustomEvent(name, { detail }));
  }

  function setUnread(n: number) {
    unread = isOpen ? 0 : n;
    dot.textContent = unread > 9 ? '9+' : String(unread);
    dot.classList.toggle('woot--hide', unread === 0);
  }

  function beep() {
    try {
      const Ctx = window.AudioContext || (window as unknown as { webkitAudioContext: typeof AudioContext }).webkitAudioContext;
      const ctx = new Ctx();
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.08, ctx.currentTime);
      g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25);
      o.connect(g).connect(ctx.destination);
      o.start();
      o.stop(ctx.currentTime + 0.25);
    } catch {
      // No audio (or not allowed before a user gesture): the badge still shows.
    }
  }

  function toggle(state?: boolean | 'open' | 'close') {
    const next = state === undefined ? !isOpen : state === true || state === 'open';
    if (next === isOpen) return;
    isOpen = next;
    holder.classList.toggle('woot--hide', !isOpen);
    closeBubble.classList.toggle('woot--hide', !isOpen || !!settings.hideMessageBubble);
    bubble.classList.toggle('woot--hide', isOpen || !!settings.hideMessageBubble);
    if (isOpen) setUnread(0);
    send('toggle-open', { isOpen });
    send('widget-visible', { isVisible: isOpen });
    emit(isOpen ? 'chatwoot:opened' : 'chatwoot:closed');
  }

  function popout() {
    if (isOpen) toggle(false);
    window.open(widgetUrl(true), 'chatwoot_popout', 'resizable=off,width=400,height=600');
  }

  bubble.addEventListener('click', () => toggle(true));
  closeBubble.addEventListener('click', () => toggle(false));

  window.addEventListener('message', (e: MessageEvent) => {
    // Only the widget's own frame speaks to the SDK.
    if (e.source !== iframe.contentWindow || typeof e.data !== 'string' || !e.data.startsWith(PREFIX)) return;
    let m: Dict;
    try {
      m = JSON.parse(e.data.slice(PREFIX.length));
    } catch {
      return;
    }
    const data = (m.data || {}) as Dict;
    switch (m.event) {
      case 'loaded': {
        const cfg = (m.config || {}) as Dict;
        if (typeof cfg.authToken === 'string') writeCookie(COOKIE, cfg.authToken, settings.baseDomain);
        if (typeof cfg.widgetColor === 'string') bubbleHolder.style.setProperty('--woot-color', cfg.widgetColor);
        ready = true;
        iframe.contentWindow?.postMessage(
          PREFIX + JSON.stringify({ event: 'config-set', locale, position, hideMessageBubble: !!settings.hideMessageBubble, showPopoutButton: !!settings.showPopoutButton, widgetStyle: settings.widgetStyle || 'standard', darkMode: settings.darkMode || 'light', showUnreadMessagesDialog: settings.showUnreadMessagesDialog !== false, welcomeTitle: settings.welcomeTitle, welcomeDescription: settings.welcomeDescription, availableMessage: settings.availableMessage, unavailableMessage: settings.unavailableMessage, enableFileUpload: settings.enableFileUpload, enableEmojiPicker: settings.enableEmojiPicker, enableEndConversation: settings.enableEndConversation }),
          origin,
        );
        send('change-url', { referrerURL: location.href, referrerHost: location.host });
        if (isOpen) send('toggle-open', { isOpen });
        while (queue.length) {
          const q = queue.shift() as Dict;
          iframe.contentWindow?.postMessage(PREFIX + JSON.stringify(q), origin);
        }
        emit('chatwoot:ready');
        break;
      }
      case 'error':
        emit('chatwoot:error', m.data ?? m.message);
        break;
      case 'onEvent':
        if (typeof m.eventIdentifier === 'string' && m.eventIdentifier.startsWith('chatwoot:')) emit(m.eventIdentifier, m.data);
        break;
      case 'setAuthCookie':
        if (typeof data.widgetAuthToken === 'string') writeCookie(COOKIE, data.widgetAuthToken, settings.baseDomain);
        break;
      case 'toggleBubble':
        toggle();
        break;
      case 'closeWindow':
      case 'closeChat':
        toggle(false);
        break;
      case 'handleNotificationDot':
        setUnread(Number(m.unreadMessageCount) || 0);
        break;
      case 'playAudio':
        if (!isOpen || document.hidden) beep();
        break;
      case 'popout':
        popout();
        break;
      case 'postback':
        emit('chatwoot:postback', m.data);
        break;
      case 'updateIframeHeight':
      case 'setBubbleLabel':
      case 'setCampaignReadOn':
      case 'setUnreadMode':
        break;
    }
  });

  const api: Dict = {
    hasLoaded: true,
    websiteToken,
    baseUrl: base,
    get isOpen() {
      return isOpen;
    },
    get locale() {
      return locale;
    },
    position,
    type: expanded ? 'expanded_bubble' : 'standard',
    toggle,
    toggleBubbleVisibility(v?: 'show' | 'hide') {
      const hide = v === 'hide' || (v === undefined && !settings.hideMessageBubble);
      settings.hideMessageBubble = hide;
      bubble.classList.toggle('woot--hide', hide || isOpen);
      closeBubble.classList.toggle('woot--hide', hide || !isOpen);
    },
    popoutChatWindow: popout,
    setUser(identifier: unknown, user: Dict = {}) {
      if ((typeof identifier !== 'string' && typeof identifier !== 'number') || String(identifier) === '') {
        throw new Error('Identifier should be a non-empty string or a number');
      }
      if (!user || !(user.avatar_url || user.email || user.name)) {
        throw new Error('User object should have one of the keys [avatar_url, email, name]');
      }
      const key = digest(JSON.stringify([String(identifier), user]));
      if (readCookie(userKey) === key) return;
      writeCookie(userKey, key, settings.baseDomain);
      send('set-user', { identifier: String(identifier), user });
    },
    setCustomAttributes(customAttributes: Dict = {}) {
      if (!customAttributes || !Object.keys(customAttributes).length) throw new Error('Custom attributes should have atleast one key');
      send('set-custom-attributes', { customAttributes });
    },
    deleteCustomAttribute(customAttribute = '') {
      if (!customAttribute) throw new Error('Custom attribute is required');
      send('delete-custom-attribute', { customAttribute });
    },
    setConversationCustomAttributes(customAttributes: Dict = {}) {
      if (!customAttributes || !Object.keys(customAttributes).length) throw new Error('Custom attributes should have atleast one key');
      send('set-conversation-custom-attributes', { customAttributes });
    },
    deleteConversationCustomAttribute(customAttribute = '') {
      if (!customAttribute) throw new Error('Custom attribute is required');
      send('delete-conversation-custom-attribute', { customAttribute });
    },
    setLabel(label = '') {
      send('set-label', { label });
    },
    removeLabel(label = '') {
      send('remove-label', { label });
    },
    setLocale(l = 'en') {
      locale = l;
      send('set-locale', { locale: l });
    },
    setColorScheme(darkMode: Settings['darkMode'] = 'light') {
      settings.darkMode = darkMode;
      send('set-color-scheme', { darkMode });
    },
    reset() {
      if (isOpen) toggle(false);
      writeCookie(COOKIE, '', settings.baseDomain, 0);
      writeCookie(userKey, '', settings.baseDomain, 0);
      ready = false;
      queue.length = 0;
      setUnread(0);
      iframe.src = widgetUrl(false);
    },
  };
  window.$chatwoot = api;
}

window.chatwootSDK = { run };
