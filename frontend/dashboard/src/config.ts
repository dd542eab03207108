// The installation's configuration, put in the page by the server (crates/web/src/dashboard.rs)
// under Chatwoot's names, so the brand shows on the first paint without a request.

export interface GlobalConfig {
  INSTALLATION_NAME: string;
  BRAND_NAME: string;
  BRAND_URL: string;
  LOGO: string;
  LOGO_DARK: string;
  LOGO_THUMBNAIL: string;
  TERMS_URL: string;
  PRIVACY_URL: string;
  BRAND_PRIMARY_COLOR: string;
  /** Set when OpenID Connect is configured: the label of the login page's button. */
  OIDC_BUTTON_LABEL: string;
  PASSWORD_LOGIN_DISABLED: boolean;
  /** Trusted-proxy mode: the login page asks the proxy who the user is first. */
  TRUSTED_PROXY_AUTH: boolean;
}

interface ChatwootConfig {
  hostURL: string;
  signupEnabled: string;
  selectedLocale: string;
}

declare global {
  interface Window {
    globalConfig?: Partial<GlobalConfig>;
    chatwootConfig?: Partial<ChatwootConfig>;
  }
}

const g = window.globalConfig ?? {};
const c = window.chatwootConfig ?? {};

export const globalConfig: GlobalConfig = {
  INSTALLATION_NAME: g.INSTALLATION_NAME || 'Switchboard',
  BRAND_NAME: g.BRAND_NAME ?? '',
  BRAND_URL: g.BRAND_URL ?? '',
  LOGO: g.LOGO ?? '',
  LOGO_DARK: g.LOGO_DARK ?? '',
  LOGO_THUMBNAIL: g.LOGO_THUMBNAIL ?? '',
  TERMS_URL: g.TERMS_URL ?? '',
  PRIVACY_URL: g.PRIVACY_URL ?? '',
  BRAND_PRIMARY_COLOR: g.BRAND_PRIMARY_COLOR ?? '',
  OIDC_BUTTON_LABEL: g.OIDC_BUTTON_LABEL ?? '',
  PASSWORD_LOGIN_DISABLED: g.PASSWORD_LOGIN_DISABLED === true,
  TRUSTED_PROXY_AUTH: g.TRUSTED_PROXY_AUTH === true,
};

export const defaultLocale = c.selectedLocale || 'en';

/// The brand's colour and favicon, applied once at start.
export function applyBrand() {
  const colour = globalConfig.BRAND_PRIMARY_COLOR;
  // The server accepts only #rgb/#rrggbb; check again since this goes into CSS.
  if (/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(colour)) {
    document.documentElement.style.setProperty('--brand', colour);
  }
  if (globalConfig.LOGO_THUMBNAIL) {
    const link = document.createElement('link');
    link.rel = 'icon';
    link.href = globalConfig.LOGO_THUMBNAIL;
    document.head.appendChild(link);
  }
}
