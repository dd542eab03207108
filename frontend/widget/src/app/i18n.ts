// Every string the widget shows, in English and Brazilian Portuguese. The locale comes
// from `chatwootSettings.locale` / `$chatwoot.setLocale`, else the browser, else the
// account's; a locale we do not have falls back to English.
const en = {
  chatWithUs: 'Chat with us',
  online: 'We are online',
  offline: 'We are away at the moment',
  replyMinutes: 'Typically replies in a few minutes',
  replyHours: 'Typically replies in a few hours',
  replyDay: 'Typically replies in a day',
  replyLater: 'We will be back online',
  placeholder: 'Type your message',
  send: 'Send',
  attach: 'Attach a file',
  emoji: 'Pick an emoji',
  close: 'Close',
  endConversation: 'End conversation',
  popout: 'Open in a new window',
  startConversation: 'Start conversation',
  newConversation: 'Start a new conversation',
  resolved: 'This conversation has ended',
  typing: '{name} is typing',
  someone: 'An agent',
  you: 'You',
  sending: 'Sending…',
  failed: 'Could not send. Try again.',
  fileTooBig: 'Files must be under {size} MB',
  fileType: 'This type of file cannot be sent',
  download: 'Download',
  submit: 'Submit',
  submitted: 'Submitted',
  emailPlaceholder: 'Your email address',
  emailInvalid: 'Enter a valid email address',
  required: 'This field is required',
  invalid: 'This value is not valid',
  preChatIntro: 'Please fill in the form to start the conversation',
  fullName: 'Full name',
  email: 'Email address',
  phone: 'Phone number',
  message: 'Message',
  csatQuestion: 'Rate your conversation',
  csatFeedback: 'Tell us more…',
  csatThanks: 'Thank you for your feedback',
  newMessages: '{count} new messages',
  poweredBy: 'Powered by {name}',
  errorLoading: 'The chat could not load. Try again later.',
  reconnecting: 'Reconnecting…',
  readMore: 'Read more',
};

type Strings = typeof en;

const pt_BR: Strings = {
  chatWithUs: 'Fale conosco',
  online: 'Estamos online',
  offline: 'Estamos ausentes no momento',
  replyMinutes: 'Normalmente responde em alguns minutos',
  replyHours: 'Normalmente responde em algumas horas',
  replyDay: 'Normalmente responde em um dia',
  replyLater: 'Voltaremos a ficar online',
  placeholder: 'Digite sua mensagem',
  send: 'Enviar',
  attach: 'Anexar um arquivo',
  emoji: 'Escolher um emoji',
  close: 'Fechar',
  endConversation: 'Encerrar conversa',
  popout: 'Abrir em uma nova janela',
  startConversation: 'Iniciar conversa',
  newConversation: 'Iniciar uma nova conversa',
  resolved: 'Esta conversa foi encerrada',
  typing: '{name} está digitando',
  someone: 'Um atendente',
  you: 'Você',
  sending: 'Enviando…',
  failed: 'Não foi possível enviar. Tente novamente.',
  fileTooBig: 'Os arquivos devem ter menos de {size} MB',
  fileType: 'Este tipo de arquivo não pode ser enviado',
  download: 'Baixar',
  submit: 'Enviar',
  submitted: 'Enviado',
  emailPlaceholder: 'Seu endereço de e-mail',
  emailInvalid: 'Digite um e-mail válido',
  required: 'Este campo é obrigatório',
  invalid: 'Este valor não é válido',
  preChatIntro: 'Preencha o formulário para iniciar a conversa',
  fullName: 'Nome completo',
  email: 'Endereço de e-mail',
  phone: 'Número de telefone',
  message: 'Mensagem',
  csatQuestion: 'Avalie sua conversa',
  csatFeedback: 'Conte-nos mais…',
  csatThanks: 'Obrigado pela sua avaliação',
  newMessages: '{count} novas mensagens',
  poweredBy: 'Desenvolvido por {name}',
  errorLoading: 'Não foi possível carregar o chat. Tente mais tarde.',
  reconnecting: 'Reconectando…',
  readMore: 'Leia mais',
};

export type Key = keyof Strings;
const tables: Record<string, Strings> = { en, pt_BR };

/// `pt-BR`, `pt_br`, `pt` → `pt_BR`; anything else we lack → `en`.
export function resolveLocale(wanted: string | null | undefined): string {
  const w = (wanted || '').replace('-', '_');
  if (!w) return 'en';
  const exact = Object.keys(tables).find((k) => k.toLowerCase() === w.toLowerCase());
  if (exact) return exact;
  const lang = w.split('_')[0].toLowerCase();
  if (lang === 'pt') return 'pt_BR';
  return tables[lang] ? lang : 'en';
}

const RTL = ['ar', 'fa', 'he', 'ur'];

/// Right-to-left for the languages written that way, even while their strings fall back.
export function isRtl(wanted: string | null | undefined): boolean {
  return RTL.includes((wanted || '').replace('-', '_').split('_')[0].toLowerCase());
}

let current: Strings = en;

export function setLocale(code: string) {
  current = tables[resolveLocale(code)] || en;
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return current[key].replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}
