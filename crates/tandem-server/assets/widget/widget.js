/* Tandem web-chat widget: one plain script, no dependencies, no build step.
 * Embed: <script src="https://tandem.example/widget.js" data-inbox="INBOX_ID" async></script>
 * Optional: data-language="pt|es|en". Theme: #tandem-widget { --tw-accent: #123456 } on the page.
 * A signed-in customer: data-user-id="ID" data-user-hash="HEX" (HMAC-SHA256 of the id under the
 * inbox's secret, computed on the host's server) and data-user-name="NAME": every browser they
 * use is one conversation, and one contact with their other channels.
 * The widget's own texts start in that language (else the browser's) and then follow the
 * conversation's: the language the server gives, else the one its bot and agents write in.
 * Files: the paper clip, a drop on the panel or a paste in the text box sends each file as a
 * message of its own; files of messages are fetched with the visitor's token and shown from
 * blob: URLs (a page with a CSP needs blob: in img-src and media-src; pictures fall back to
 * data: URLs).
 * Everything lives in a shadow root; all message text is set with textContent. */
(function () {
  'use strict';
  var d = document;
  var me = d.currentScript || d.querySelector('script[data-inbox][src*="widget.js"]');
  if (!me || !me.getAttribute('data-inbox') || d.getElementById('tandem-widget')) return;
  var INBOX = me.getAttribute('data-inbox');
  var API = new URL(me.src, location.href).origin + '/api/v1/widget/' + encodeURIComponent(INBOX);
  var WS_URL = API.replace(/^http/, 'ws') + '/ws';
  var USER_ID = me.getAttribute('data-user-id');
  var USER_HASH = me.getAttribute('data-user-hash');
  var USER_NAME = me.getAttribute('data-user-name');
  var KEY = 'tandem.visitor.' + INBOX + (USER_ID ? '.' + USER_ID : '');

  var STRINGS = {
    pt: {
      title: 'Atendimento', open: 'Abrir o chat', close: 'Fechar o chat',
      hello: 'Olá! Como podemos ajudar?', input: 'Escreva sua mensagem…', send: 'Enviar',
      human: 'Falar com uma pessoa', humanText: 'Quero falar com um atendente',
      typing: 'digitando…', typingName: '{} está digitando…',
      queue: 'Você é o número {} na fila', waiting: 'Aguardando um atendente…',
      joined: '{} entrou na conversa', sending: 'Enviando…', failed: 'Não enviada.', retry: 'Tentar de novo',
      rate: 'Como foi o atendimento?', star: '{} de 5 estrelas', comment: 'Comentário (opcional)',
      submit: 'Enviar avaliação', thanks: 'Obrigado pela sua avaliação!',
      rateError: 'Não foi possível enviar. Tente de novo.',
      online: 'Online', connecting: 'Conectando…', unavailable: 'O chat não está disponível.',
      attach: 'Enviar arquivo', drop: 'Solte os arquivos para enviar', image: 'Imagem', file: 'Arquivo',
      fileError: 'Arquivo indisponível'
    },
    es: {
      title: 'Atención', open: 'Abrir el chat', close: 'Cerrar el chat',
      hello: '¡Hola! ¿Cómo podemos ayudarte?', input: 'Escribe tu mensaje…', send: 'Enviar',
      human: 'Hablar con una persona', humanText: 'Quiero hablar con un agente',
      typing: 'escribiendo…', typingName: '{} está escribiendo…',
      queue: 'Eres el número {} en la fila', waiting: 'Esperando a un agente…',
      joined: '{} se unió a la conversación', sending: 'Enviando…', failed: 'No enviado.', retry: 'Reintentar',
      rate: '¿Cómo fue la atención?', star: '{} de 5 estrellas', comment: 'Comentario (opcional)',
      submit: 'Enviar calificación', thanks: '¡Gracias por tu calificación!',
      rateError: 'No se pudo enviar. Inténtalo de nuevo.',
      online: 'En línea', connecting: 'Conectando…', unavailable: 'El chat no está disponible.',
      attach: 'Enviar archivo', drop: 'Suelta los archivos para enviarlos', image: 'Imagen', file: 'Archivo',
      fileError: 'Archivo no disponible'
    },
    en: {
      title: 'Support', open: 'Open chat', close: 'Close chat',
      hello: 'Hi! How can we help?', input: 'Type your message…', send: 'Send',
      human: 'Talk to a person', humanText: 'I want to talk to a person',
      typing: 'typing…', typingName: '{} is typing…',
      queue: 'You are number {} in line', waiting: 'Waiting for an agent…',
      joined: '{} joined', sending: 'Sending…', failed: 'Not sent.', retry: 'Retry',
      rate: 'How was the service?', star: '{} of 5 stars', comment: 'Comment (optional)',
      submit: 'Send rating', thanks: 'Thank you for your rating!',
      rateError: 'Could not send. Please try again.',
      online: 'Online', connecting: 'Connecting…', unavailable: 'The chat is not available.',
      attach: 'Send a file', drop: 'Drop files to send', image: 'Image', file: 'File',
      fileError: 'File unavailable'
    }
  };
  var lang = [me.getAttribute('data-language')]
    .concat(navigator.languages || [], navigator.language)
    .map(function (l) { return String(l || '').slice(0, 2).toLowerCase(); })
    .filter(function (l) { return STRINGS[l]; })[0] || 'pt';
  var S = STRINGS[lang];
  function fmt(s, v) { return s.replace('{}', v); }

  /* Words frequent in one of the three languages and rare in the other two, and letters only one
   * of them writes: enough to tell the language of a bot's or agent's sentence. */
  var WORDS = {};
  [
    ['pt', 'não você vocês é são eu sou estou uma um com seu sua seus suas meu minha nosso nossa obrigado obrigada olá posso ajudar pelo pela isso também já mais então muito até aqui tem ao em os das agora quer quero vou falar pessoa pessoas diga oi bem tudo ainda quando onde qual primeiro'],
    ['es', 'es usted tú eres estás soy estoy una con su sus mi nuestro nuestra gracias hola puedo ayudar ayudarte el los las del al muy también ya más hasta aquí tengo tiene hay qué cuál dónde cuando ahora quieres quiero voy hablar persona dime tu bien primero necesito'],
    ['en', 'the you your is are am i we it this that and to of with for my our hi hello thanks thank please can how help will be not what when an in on at or if have want talk person which would like there here']
  ].forEach(function (pair) {
    pair[1].split(' ').forEach(function (word) { WORDS[word] = pair[0]; });
  });
  var LETTERS = { pt: /[ãõç]/, es: /[ñ¿¡]/ };
  /* The language of `text`, or null unless one language clearly leads. */
  function guessLanguage(text) {
    var score = { pt: 0, es: 0, en: 0 };
    text = String(text || '').toLowerCase();
    text.split(/[^a-zà-öø-ÿ]+/).forEach(function (word) {
      if (WORDS[word]) score[WORDS[word]]++;
    });
    for (var l in LETTERS) if (LETTERS[l].test(text)) score[l] += 2;
    var ranked = Object.keys(score).sort(function (a, b) { return score[b] - score[a]; });
    return score[ranked[0]] >= 2 && score[ranked[0]] >= 2 * score[ranked[1]] ? ranked[0] : null;
  }
  var CSS = [
    ':host{all:initial!important;--a:var(--tw-accent,#1464d2)}',
    '#tw-launcher,#tw-panel{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1f2430;text-align:left;letter-spacing:normal;text-transform:none}',
    '*{box-sizing:border-box}[hidden]{display:none!important}',
    'button{font:inherit;cursor:pointer}button:disabled{cursor:default;opacity:.55}',
    'button:focus-visible,textarea:focus-visible,a:focus-visible{outline:2px solid var(--a);outline-offset:2px}',
    'svg{width:20px;height:20px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}',
    '.tw-fill{fill:currentColor;stroke:none}',
    '#tw-launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:58px;height:58px;border-radius:50%;border:0;background:var(--a);color:#fff;box-shadow:0 6px 18px rgba(0,0,0,.25);display:grid;place-items:center;transition:transform .15s}',
    '#tw-launcher:hover{transform:scale(1.06)}#tw-launcher svg{width:27px;height:27px}',
    '#tw-launcher[aria-expanded=true] .tw-i-chat,#tw-launcher[aria-expanded=false] .tw-i-x{display:none}',
    '.tw-badge{position:absolute;top:-3px;right:-3px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d93025;color:#fff;font-size:12px;font-weight:700;line-height:20px}',
    '#tw-panel{position:fixed;right:20px;bottom:90px;z-index:2147483000;width:370px;height:min(600px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.25);overflow:hidden}',
    '@media (max-width:480px){#tw-panel{right:0;bottom:0;width:100%;height:100%;border-radius:0}#tw-launcher[aria-expanded=true]{display:none}}',
    '.tw-head{display:flex;align-items:center;gap:10px;padding:14px 12px 14px 16px;background:var(--a);color:#fff}',
    '.tw-avatar{width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.2);display:grid;place-items:center}',
    '.tw-titles{flex:1;min-width:0;display:flex;flex-direction:column}',
    '.tw-title{font-weight:700;font-size:15px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}',
    '.tw-status{font-size:12px}.tw-status::before{content:"";display:inline-block;width:7px;height:7px;border-radius:50%;background:#ffd166;margin-right:5px}',
    '.tw-status.tw-on::before{background:#5ee08a}',
    '#tw-close{border:0;background:none;color:#fff;width:34px;height:34px;border-radius:50%;display:grid;place-items:center}#tw-close:hover{background:rgba(255,255,255,.18)}',
    '#tw-queue{padding:8px 16px;background:#fff6db;color:#6b4e00;font-size:13px;border-bottom:1px solid #f0e2b0}',
    '.tw-error{padding:8px 16px;background:#fde8e8;color:#8a1c1c;font-size:13px}',
    '.tw-body{flex:1;overflow-y:auto;padding:16px 14px;background:#f4f5f8;overscroll-behavior:contain}',
    '#tw-messages{display:flex;flex-direction:column;gap:4px}',
    '#tw-messages:empty::before{content:attr(data-hello);align-self:flex-start;background:#fff;border:1px solid #e3e6eb;border-radius:16px;padding:8px 12px}',
    '.tw-message{display:flex;flex-direction:column;align-items:flex-start;max-width:84%;align-self:flex-start}',
    '.tw-customer{align-self:flex-end;align-items:flex-end}',
    '.tw-system{align-self:center;align-items:center;max-width:92%;text-align:center}',
    '.tw-first:not(:first-child){margin-top:8px}',
    '.tw-text{padding:8px 12px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e3e6eb}',
    '.tw-text a{color:inherit}',
    '.tw-customer .tw-text{background:var(--a);border-color:transparent;color:#fff;border-bottom-right-radius:5px}',
    '.tw-bot .tw-text{border-bottom-left-radius:5px}',
    '.tw-agent .tw-text{background:#e6f5ec;border-color:#cfe9da;border-bottom-left-radius:5px}',
    '.tw-system .tw-text{background:none;border:0;color:#5f6675;font-size:12.5px;padding:2px 8px}',
    '.tw-author{display:none;font-size:11.5px;color:#5f6675;margin:0 6px 2px}.tw-first>.tw-author{display:block}',
    '.tw-meta{font-size:10.5px;color:#5f6675;margin:2px 6px 0}',
    '.tw-failed .tw-text{background:#fde8e8;color:#8a1c1c;border-color:#f5c2c2}',
    '.tw-retry{border:0;background:none;padding:0 0 0 4px;color:#c5221f;text-decoration:underline;font-size:inherit}',
    '.tw-choices{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}',
    '.tw-choice{border:1px solid var(--a);color:var(--a);background:#fff;border-radius:16px;padding:6px 12px;text-align:left}',
    '.tw-choice:hover{background:var(--a);color:#fff}',
    '.tw-agent-joined{align-self:center;font-size:12px;color:#216e3f;background:#dff3e7;border-radius:12px;padding:3px 12px;margin:8px 0 4px}',
    '#tw-typing{display:flex;align-items:center;gap:8px;margin-top:8px;font-size:12px;color:#5f6675}',
    '.tw-dots{display:inline-flex;gap:4px;background:#fff;border:1px solid #e3e6eb;border-radius:14px;padding:10px 12px}',
    '.tw-dots i{width:6px;height:6px;border-radius:50%;background:#9aa1ae;animation:tw-b 1.2s infinite}',
    '.tw-dots i:nth-child(2){animation-delay:.15s}.tw-dots i:nth-child(3){animation-delay:.3s}',
    '@keyframes tw-b{0%,60%,100%{transform:none;opacity:.45}30%{transform:translateY(-3px);opacity:1}}',
    '@media (prefers-reduced-motion:reduce){.tw-dots i{animation:none}#tw-launcher{transition:none}}',
    '#tw-rating{margin-top:12px;background:#fff;border:1px solid #e3e6eb;border-radius:14px;padding:14px;text-align:center}',
    '.tw-rate-title{margin:0 0 6px;font-weight:600}',
    '.tw-star{border:0;background:none;font-size:30px;line-height:1;color:#868c9b;padding:0 3px}',
    '.tw-star.tw-on,.tw-stars:hover .tw-star{color:#c27803}.tw-stars .tw-star:hover~.tw-star{color:#868c9b}',
    '#tw-rating-comment{display:block;width:100%;margin:10px 0;min-height:56px;resize:vertical;border:1px solid #d5d9e0;border-radius:10px;padding:8px 10px;font:inherit;color:inherit}',
    '#tw-rating-submit{width:100%;border:0;border-radius:10px;padding:9px;background:var(--a);color:#fff;font-weight:600}',
    '.tw-rate-error{color:#c5221f;font-size:12.5px;margin:8px 0 0}',
    '#tw-rating-thanks{margin:0;font-weight:600;color:#216e3f}',
    '.tw-actions{padding:8px 12px 0;background:#fff;border-top:1px solid #e8eaef}',
    '#tw-handover{display:inline-flex;align-items:center;gap:6px;border:1px solid #d5d9e0;background:#fff;color:#2b3040;border-radius:16px;padding:5px 12px 5px 9px;font-size:13px}',
    '#tw-handover:hover{border-color:var(--a);color:var(--a)}#tw-handover svg{width:16px;height:16px}',
    '.tw-compose{display:flex;gap:8px;align-items:flex-end;padding:8px 12px 12px;background:#fff}',
    '#tw-input{flex:1;resize:none;border:1px solid #d5d9e0;border-radius:20px;padding:9px 14px;font:inherit;color:inherit;height:40px;max-height:120px;outline:none}',
    '#tw-input:focus{border-color:var(--a)}',
    '#tw-input::placeholder,#tw-rating-comment::placeholder{color:#6b7280;opacity:1}',
    '#tw-send{width:40px;height:40px;border:0;border-radius:50%;background:var(--a);color:#fff;display:grid;place-items:center}',
    '.tandem-attach{width:40px;height:40px;border:0;border-radius:50%;background:none;color:#5f6675;display:grid;place-items:center;flex:none}',
    '.tandem-attach:hover:not(:disabled){color:var(--a);background:#f0f2f6}',
    '.tandem-files{display:flex;flex-direction:column;align-items:inherit;gap:4px;max-width:100%}',
    '.tw-text+.tandem-files{margin-top:4px}',
    '.tandem-file{max-width:100%}',
    '.tw-pic{display:block;border-radius:14px}',
    '.tandem-file img{display:block;max-width:240px;max-height:240px;border-radius:14px;border:1px solid #e3e6eb;background:#fff}',
    '.tandem-file audio{display:block;width:250px;max-width:100%}',
    '.tandem-file video{display:block;max-width:100%;max-height:240px;border-radius:14px;background:#000}',
    '.tw-doc{display:inline-flex;align-items:center;gap:8px;max-width:100%;padding:8px 12px;border-radius:16px;background:#fff;border:1px solid #e3e6eb;color:#1f2430;text-decoration:none}',
    '.tw-doc:hover .tw-doc-name{text-decoration:underline}.tw-doc-name{overflow-wrap:anywhere}',
    '.tw-size{font-size:12px;color:#5f6675;white-space:nowrap}',
    '.tw-customer .tw-doc{background:var(--a);border-color:transparent;color:#fff}.tw-customer .tw-size{color:inherit}',
    '.tw-agent .tw-doc{background:#e6f5ec;border-color:#cfe9da}',
    '.tw-missing{font-size:12.5px;color:#8a1c1c}',
    '.tw-failed .tandem-files{outline:2px solid #f5c2c2;outline-offset:2px;border-radius:14px}',
    '#tw-drop{position:absolute;inset:0;z-index:5;display:grid;place-items:center;padding:24px;text-align:center;font-size:15px;font-weight:600;color:var(--a);background:rgba(255,255,255,.94);border:3px dashed var(--a);border-radius:inherit;pointer-events:none}'
  ].join('\n');

  /* ---------- DOM helpers ---------- */
  function h(tag, attrs, kids) {
    var e = d.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    (kids || []).forEach(function (c) { if (c != null) e.append(c); });
    return e;
  }
  function icon(path, cls) {
    var ns = 'http://www.w3.org/2000/svg', s = d.createElementNS(ns, 'svg'), p = d.createElementNS(ns, 'path');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    if (cls) s.setAttribute('class', cls);
    p.setAttribute('d', path);
    s.append(p);
    return s;
  }
  var I_CHAT = 'M5 4h14a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-8l-5 4v-4H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
  var I_X = 'M6 6l12 12M18 6L6 18';
  var I_SEND = 'M3 20.5l18.5-8.5L3 3.5l.01 6.6L15 12 3.01 13.9z';
  var I_PERSON = 'M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7.5 9.5a7.5 7.5 0 0 1 15 0';
  var I_CLIP = 'M21.4 11.1l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8';
  var I_FILE = 'M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zm0 0v5h5';

  /* Text with http(s) links made clickable; still only text nodes and <a> built by hand. */
  function fillText(el, text) {
    var re = /https?:\/\/[^\s<>"']+/g, i = 0, m;
    while ((m = re.exec(text))) {
      var url = m[0].replace(/[.,;:!?)\]}]+$/, '');
      el.append(text.slice(i, m.index), h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: url }));
      i = m.index + url.length;
      re.lastIndex = i;
    }
    el.append(text.slice(i));
  }
  function clock(t) {
    try { return new Date(t).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }); } catch (e) { return ''; }
  }
  /* A file size as "820 B", "14 KB", "1.2 MB"; '' when unknown. */
  function size(n) {
    if (typeof n !== 'number' || !(n >= 0)) return '';
    var units = ['B', 'KB', 'MB', 'GB'], i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    var digits = i && n < 10 ? 1 : 0;
    try { return n.toLocaleString(lang, { maximumFractionDigits: digits }) + ' ' + units[i]; } catch (e) { return n.toFixed(digits) + ' ' + units[i]; }
  }
  function uuid() {
    var c = window.crypto;
    if (c.randomUUID) return c.randomUUID();
    var b = c.getRandomValues(new Uint8Array(16)), x = '';
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) x += (b[i] + 256).toString(16).slice(1) + (i === 3 || i === 5 || i === 7 || i === 9 ? '-' : '');
    return x;
  }

  /* ---------- the widget's own texts ---------- */
  /* Each text as [element, attribute ('text': its text), key in STRINGS, value for {}], so that a
   * change of language writes them all again. */
  var labels = [];
  function label(el, attrs, value) {
    for (var a in attrs) {
      labels.push([el, a, attrs[a], value]);
      paintLabel(labels[labels.length - 1]);
    }
    return el;
  }
  function paintLabel(l) {
    var text = l[3] == null ? S[l[2]] : fmt(S[l[2]], l[3]);
    if (l[1] === 'text') l[0].textContent = text;
    else l[0].setAttribute(l[1], text);
  }
  /* Speaks `code` from now on, if it is one of the widget's languages. */
  function speak(code) {
    code = String(code || '').slice(0, 2).toLowerCase();
    if (!STRINGS[code] || code === lang) return;
    lang = code;
    S = STRINGS[code];
    labels.forEach(paintLabel);
    paintTitle();
    paintStatus();
    paintQueue();
    paintTyping();
    launcher.setAttribute('aria-label', panel.hidden ? S.open : S.close);
    list.querySelectorAll('.tw-message').forEach(paintMeta);
  }

  /* ---------- UI ---------- */
  var badge = h('span', { class: 'tw-badge', hidden: true });
  var launcher = h('button', {
    id: 'tw-launcher', type: 'button', 'aria-controls': 'tw-panel', 'aria-expanded': 'false', 'aria-label': S.open,
    onclick: function () { toggle(panel.hidden); }
  }, [icon(I_CHAT, 'tw-i-chat'), icon(I_X, 'tw-i-x'), badge]);
  var title = h('span', { class: 'tw-title' });
  var status = h('span', { class: 'tw-status' });
  var queue = h('div', { id: 'tw-queue', role: 'status', hidden: true });
  var error = h('div', { class: 'tw-error', role: 'alert', hidden: true });
  var list = label(h('div', { id: 'tw-messages', role: 'log', 'aria-live': 'polite' }), { 'data-hello': 'hello' });
  var typingLabel = h('span');
  var typingEl = h('div', { id: 'tw-typing', hidden: true }, [h('span', { class: 'tw-dots' }, [h('i'), h('i'), h('i')]), typingLabel]);
  var stars = [1, 2, 3, 4, 5].map(function (n) {
    return label(h('button', {
      type: 'button', class: 'tw-star', 'data-score': n, 'aria-pressed': 'false', text: '★',
      onclick: function () { setScore(n); }
    }), { 'aria-label': 'star' }, n);
  });
  var comment = label(h('textarea', { id: 'tw-rating-comment', maxlength: 1000, rows: 2 }), { placeholder: 'comment', 'aria-label': 'comment' });
  var rateSubmit = label(h('button', { id: 'tw-rating-submit', type: 'button', disabled: true, onclick: rate }), { text: 'submit' });
  var rateError = label(h('p', { class: 'tw-rate-error', role: 'alert', hidden: true }), { text: 'rateError' });
  var rateForm = h('div', {}, [
    label(h('p', { class: 'tw-rate-title' }), { text: 'rate' }),
    label(h('div', { class: 'tw-stars', role: 'group' }, stars), { 'aria-label': 'rate' }),
    comment, rateSubmit, rateError
  ]);
  var thanks = label(h('p', { id: 'tw-rating-thanks', role: 'status', hidden: true }), { text: 'thanks' });
  var rating = h('div', { id: 'tw-rating', hidden: true }, [rateForm, thanks]);
  var body = h('div', { class: 'tw-body' }, [list, typingEl, rating]);
  var input = label(h('textarea', { id: 'tw-input', rows: 1, maxlength: 4000 }), { placeholder: 'input', 'aria-label': 'input' });
  var sendBtn = label(h('button', { id: 'tw-send', type: 'button', onclick: submit }, [icon(I_SEND, 'tw-fill')]), { 'aria-label': 'send', title: 'send' });
  var fileInput = h('input', { type: 'file', class: 'tandem-attach-input', multiple: true, hidden: true, 'data-testid': 'tandem-attach-input' });
  var attachBtn = label(h('button', {
    type: 'button', class: 'tandem-attach', 'data-testid': 'tandem-attach', onclick: function () { fileInput.click(); }
  }, [icon(I_CLIP)]), { 'aria-label': 'attach', title: 'attach' });
  var dropHint = label(h('div', { id: 'tw-drop', hidden: true }), { text: 'drop' });
  var handoverBtn = h('button', { id: 'tw-handover', type: 'button', onclick: handover }, [icon(I_PERSON), label(h('span'), { text: 'human' })]);
  var panel = h('section', { id: 'tw-panel', role: 'dialog', hidden: true }, [
    h('header', { class: 'tw-head' }, [
      h('span', { class: 'tw-avatar' }, [icon(I_CHAT)]),
      h('div', { class: 'tw-titles' }, [title, status]),
      label(h('button', { id: 'tw-close', type: 'button', onclick: function () { toggle(false); } }, [icon(I_X)]), { 'aria-label': 'close', title: 'close' })
    ]),
    queue, error, body,
    h('div', { class: 'tw-actions' }, [handoverBtn]),
    h('div', { class: 'tw-compose' }, [attachBtn, input, sendBtn, fileInput]),
    dropHint
  ]);
  /* The inbox's name once known, else "Support" in the widget's language. */
  var inboxName = '';
  function paintTitle() {
    title.textContent = inboxName || S.title;
    panel.setAttribute('aria-label', inboxName || S.title);
    panel.setAttribute('lang', lang);
    launcher.setAttribute('lang', lang);
  }
  var online = false;
  function paintStatus() {
    status.textContent = online ? S.online : S.connecting;
    status.classList.toggle('tw-on', online);
  }
  paintTitle();
  paintStatus();

  var unread = 0;
  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? S.close : S.open);
    if (open) {
      unread = 0;
      badge.hidden = true;
      scrollDown();
      input.focus();
    } else launcher.focus();
  }
  function scrollDown() { body.scrollTop = body.scrollHeight; }
  function grow() {
    input.style.height = 'auto';
    input.style.height = Math.min(Math.max(input.scrollHeight + 2, 40), 120) + 'px';
  }
  input.addEventListener('input', grow);
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') toggle(false); });

  /* ---------- files in ---------- */
  fileInput.addEventListener('change', function () {
    sendFiles(fileInput.files);
    fileInput.value = ''; /* the same file may be chosen again */
  });
  /* A screenshot, a picture copied in a browser, a file copied in a file manager; text copied
   * from an office program brings a picture of itself along with its text and HTML: that is text. */
  input.addEventListener('paste', function (e) {
    var data = e.clipboardData;
    if (!data) return;
    var types = Array.prototype.slice.call(data.types || []);
    if (types.indexOf('text/plain') >= 0 && types.indexOf('text/html') >= 0) return;
    var files = Array.prototype.slice.call(data.files || []);
    if (!files.length) {
      files = Array.prototype.slice.call(data.items || []).filter(function (item) { return item.kind === 'file'; })
        .map(function (item) { return item.getAsFile(); }).filter(Boolean);
    }
    if (!files.length) return;
    e.preventDefault();
    sendFiles(files);
  });
  /* Files dragged over the panel show "drop files to send"; dropped ones are sent. */
  var dragDepth = 0;
  function carriesFiles(e) {
    return !!e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], 'Files') >= 0 && !input.disabled;
  }
  function dropping(on) {
    dropHint.hidden = !on;
    panel.classList.toggle('tw-dropping', on);
  }
  panel.addEventListener('dragenter', function (e) {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    dropping(true);
  });
  panel.addEventListener('dragover', function (e) {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  panel.addEventListener('dragleave', function (e) {
    if (!carriesFiles(e)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropping(false);
  });
  panel.addEventListener('drop', function (e) {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    dragDepth = 0;
    dropping(false);
    sendFiles(e.dataTransfer.files);
  });
  /* A picture or player that loads after its message was placed makes the list taller: a
   * visitor reading the end stays there. */
  var stick = true;
  body.addEventListener('scroll', function () { stick = body.scrollHeight - body.scrollTop - body.clientHeight < 60; });
  ['load', 'loadedmetadata'].forEach(function (type) {
    body.addEventListener(type, function () { if (stick) scrollDown(); }, true);
  });

  /* ---------- state ---------- */
  var token = null, conv = null, convId = null, inflight = 0, deferred = [], ratedId = null, score = 0;
  var known = new Map();        // message id -> element
  var announced = new Set();    // agent names already announced in the current conversation
  var ready, setReady;
  ready = new Promise(function (r) { setReady = r; });

  /* A request with the visitor's token (`type`, `body`: the body's content type and the body, if
   * any); on 401 the visitor registers again and it is sent once more. Resolves to the response. */
  function request(method, path, type, payload, again) {
    return (path === '/visitors' ? Promise.resolve() : ready).then(function () {
      var headers = {};
      if (token) headers.Authorization = 'Bearer ' + token;
      if (type) headers['Content-Type'] = type;
      return fetch(API + path, { method: method, headers: headers, body: payload });
    }).then(function (r) {
      if (r.status === 401 && !again && path !== '/visitors') {
        return register().then(function () { return request(method, path, type, payload, true); });
      }
      return r;
    });
  }
  /* The JSON of an answer, or an Error with the server's message, `status` and `code`. */
  function answer(r) {
    return r.json().catch(function () { return null; }).then(function (data) {
      if (r.ok) return data;
      var e = new Error((data && data.error && data.error.message) || 'HTTP ' + r.status);
      e.status = r.status;
      e.code = data && data.error && data.error.code;
      throw e;
    });
  }
  function call(method, path, payload) {
    if (payload === undefined) return request(method, path).then(answer);
    return request(method, path, 'application/json', JSON.stringify(payload)).then(answer);
  }
  /* Stores a file (its raw bytes); resolves to {id, kind, mime_type, file_name, size_bytes}. */
  function uploadFile(file) {
    return request('POST', '/files?name=' + encodeURIComponent(file.name || 'file'), file.type || 'application/octet-stream', file).then(answer);
  }
  /* The bytes of a stored file, as a Blob. */
  function fetchFile(id) {
    return request('GET', '/files/' + encodeURIComponent(id)).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.blob();
    });
  }

  function register() {
    var old = token;
    try { old = old || localStorage.getItem(KEY); } catch (e) { /* storage blocked */ }
    var body = old ? { token: old } : {};
    if (USER_ID && USER_HASH) {
      body = { identity: { user_id: USER_ID, user_hash: USER_HASH } };
      if (USER_NAME) body.identity.name = USER_NAME;
    }
    return call('POST', '/visitors', body).then(function (r) {
      token = r.token;
      try { localStorage.setItem(KEY, token); } catch (e) { /* storage blocked */ }
      if (r.inbox && r.inbox.name) {
        inboxName = r.inbox.name;
        paintTitle();
      }
      setReady();
    });
  }

  /* ---------- messages ---------- */
  var KINDS = { customer: 1, bot: 1, agent: 1, system: 1 };
  /* A message: its text bubble (none for a file alone), its files, the line under them. */
  function messageEl(m) {
    var who = KINDS[m.author] ? m.author : 'system';
    var files = Array.isArray(m.files) ? m.files : [];
    var words = String(m.text == null ? '' : m.text);
    var text = null;
    if (words || !files.length) {
      text = h('div', { class: 'tw-text' });
      fillText(text, words);
    }
    var box = files.length ? h('div', { class: 'tandem-files' }) : null;
    var el = h('div', { class: 'tw-message tw-' + who, 'data-message-id': m.id == null ? null : m.id }, [
      m.author_name && who !== 'customer' ? h('div', { class: 'tw-author', text: m.author_name }) : null,
      text,
      box,
      h('div', { class: 'tw-meta' })
    ]);
    el._who = who;
    el._name = m.author_name || '';
    el._t = Date.parse(m.created_at) || Date.now();
    el._choices = Array.isArray(m.choices) ? m.choices : [];
    el._urls = [];
    files.forEach(function (f) { box.append(fileEl(f, el)); });
    paintMeta(el);
    return el;
  }
  /* The line under a bubble: its time, "Sending…", or "Not sent." (or why a file was refused)
   * with a retry button when trying again can help. */
  function paintMeta(el) {
    var meta = el.querySelector('.tw-meta');
    if (el.classList.contains('tw-failed')) {
      meta.textContent = el._why || S.failed;
      if (!el._final) meta.append(h('button', { type: 'button', class: 'tw-retry', text: S.retry, onclick: function () { post(el); } }));
    } else meta.textContent = el.classList.contains('tw-pending') ? S.sending : clock(el._t);
  }

  /* ---------- files ---------- */
  var PLAYERS = { audio: 1, video: 1 };
  /* One file of message `el`: a picture (opening in a new tab), a player, or a download link with
   * the size. Its bytes need the visitor's token, which an <img src> cannot send: they are fetched
   * and shown from a blob: URL (`f.blob`: the visitor's own file, just sent). A page whose CSP
   * refuses blob: pictures gets a data: URL; one the browser cannot show becomes a link. */
  function fileEl(f, el) {
    var kind = f.kind === 'sticker' ? 'image' : f.kind;
    var name = f.file_name || (kind === 'image' ? S.image : S.file);
    var box = h('div', { class: 'tandem-file tandem-file-' + kind, 'data-file-id': f.id == null ? null : f.id });
    if (kind !== 'image' && !PLAYERS[kind]) {
      box.append(docLink(f, name, el));
      return box;
    }
    fileBlob(f).then(function (blob) {
      var url = objectUrl(blob, el), shown;
      if (kind === 'image') {
        var img = h('img', { src: url, alt: name });
        shown = h('a', { class: 'tw-pic', href: url, target: '_blank', rel: 'noopener', title: name }, [img]);
        img.addEventListener('error', function () {
          if (img._data) return shown.replaceWith(docLink(f, name, el, url));
          img._data = true;
          dataUrl(blob).then(function (data) { img.src = data; }, function () { shown.replaceWith(docLink(f, name, el, url)); });
        });
      } else {
        shown = h(kind, { src: url, controls: true, preload: 'metadata', 'aria-label': name });
      }
      box.append(shown);
    }, function () {
      box.append(h('div', { class: 'tw-missing', role: 'note', text: S.fileError + ': ' + name }));
    });
    return box;
  }
  /* A link that downloads the file; the bytes are fetched on the first click (`url`: already known). */
  function docLink(f, name, el, url) {
    var bytes = size(f.size_bytes);
    var a = h('a', { class: 'tw-doc', href: url || '#', download: f.file_name || '' }, [
      icon(I_FILE),
      h('span', { class: 'tw-doc-name', text: name }),
      bytes ? h('span', { class: 'tw-size', text: bytes }) : null
    ]);
    if (url || f.blob) {
      if (!url) blobUrl(f, el).then(function (u) { a.href = u; });
      return a;
    }
    a.addEventListener('click', function (e) {
      if (a._url) return;
      e.preventDefault();
      blobUrl(f, el).then(function (u) {
        a._url = a.href = u;
        a.click();
      }, function () { a.title = S.fileError; });
    });
    return a;
  }
  function fileBlob(f) {
    return f.blob ? Promise.resolve(f.blob) : fetchFile(f.id);
  }
  /* A blob: URL of message `el`'s file, let go of when the message is (forget). */
  function objectUrl(blob, el) {
    var url = URL.createObjectURL(blob);
    el._urls.push(url);
    return url;
  }
  function blobUrl(f, el) {
    return fileBlob(f).then(function (blob) { return objectUrl(blob, el); });
  }
  function dataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(blob);
    });
  }
  function forget(el) {
    (el._urls || []).forEach(function (url) { URL.revokeObjectURL(url); });
    el._urls = [];
  }
  function kindOf(type) {
    var main = String(type || '').split('/')[0];
    return main === 'image' || main === 'audio' || main === 'video' ? main : 'document';
  }
  /* Each file is a message of its own, shown at once from the visitor's copy and sent in turn. */
  var fileQueue = Promise.resolve();
  function sendFiles(picked) {
    if (input.disabled) return;
    Array.prototype.slice.call(picked || []).forEach(function (file) {
      if (!(file instanceof Blob)) return;
      var el = messageEl({
        author: 'customer', created_at: new Date().toISOString(),
        files: [{ kind: kindOf(file.type), file_name: file.name, mime_type: file.type, size_bytes: file.size, blob: file }]
      });
      el._cid = uuid();
      el._body = '';
      el._file = file;
      el.classList.add('tw-pending');
      paintMeta(el);
      list.append(el);
      refresh();
      fileQueue = fileQueue.then(function () { return post(el); });
    });
  }
  function notice(name, t) {
    announced.add(name);
    var n = label(h('div', { class: 'tw-notice tw-agent-joined', role: 'status' }), { text: 'joined' }, name);
    n._t = t;
    return n;
  }
  /* Live messages are appended; ones found by a reload are placed by time. */
  function place(el, live) {
    if (!live) {
      for (var c = list.firstElementChild; c; c = c.nextElementSibling) {
        if (c._t > el._t) return list.insertBefore(el, c);
      }
    }
    list.append(el);
  }
  function add(m, live) {
    if (!m || m.id == null || known.has(String(m.id))) return false;
    if (m.author === 'customer' && inflight) { deferred.push(m); return false; }
    var el = messageEl(m);
    known.set(String(m.id), el);
    place(el, live);
    if (el._who === 'bot' || el._who === 'agent') speak(m.language || guessLanguage(m.text));
    if (el._who === 'agent' && el._name && !announced.has(el._name)) list.insertBefore(notice(el._name, el._t), el);
    if (el._who !== 'customer') typing(false);
    refresh();
    return true;
  }
  /* First bubble of a run shows the author; only the last message keeps its quick replies. */
  function refresh() {
    var prev = null;
    list.querySelectorAll('.tw-choices').forEach(function (c) { c.remove(); });
    for (var c = list.firstElementChild; c; c = c.nextElementSibling) {
      if (!c._who) { prev = null; continue; }
      c.classList.toggle('tw-first', !prev || prev._who !== c._who || prev._name !== c._name);
      prev = c;
    }
    var last = list.lastElementChild;
    if (last && last._who && last._who !== 'customer' && last._choices.length) {
      last.append(h('div', { class: 'tw-choices' }, last._choices.map(function (choice) {
        return h('button', { type: 'button', class: 'tw-choice', text: choice, onclick: function () { send(String(choice)); } });
      })));
    }
    scrollDown();
  }

  function submit() {
    var text = input.value;
    if (!text.trim() || input.disabled) return;
    input.value = '';
    grow();
    send(text);
    input.focus();
  }
  function send(text) {
    text = text.trim();
    if (!text) return;
    var el = messageEl({ author: 'customer', text: text, created_at: new Date().toISOString() });
    el._cid = uuid();
    el._body = text;
    list.append(el);
    refresh();
    post(el);
  }
  function post(el) {
    el.classList.remove('tw-failed');
    el.classList.add('tw-pending');
    el._why = null;
    el._final = false;
    paintMeta(el);
    inflight++;
    if (!conv || conv.status === 'bot' || conv.status === 'resolved') {
      typing(true, null, 15000);
      holdUntil = Date.now() + 800;
    }
    /* A file is stored first (once: a retry after a failed message reuses it). */
    var stored = el._file && !el._fileId ? uploadFile(el._file).then(function (f) { el._fileId = f.id; }, function (e) {
      if (e.status >= 400 && e.status < 500) {
        el._why = e.message;
        el._final = e.status === 413 || e.status === 415;
      }
      throw e;
    }) : Promise.resolve();
    return stored.then(function () {
      var payload = { text: el._body, client_id: el._cid };
      if (el._fileId) payload.file_id = el._fileId;
      return call('POST', '/messages', payload);
    }).then(function (m) {
      el.classList.remove('tw-pending');
      var id = String(m.id);
      if (known.has(id) && known.get(id) !== el) { forget(el); el.remove(); return; }
      el.setAttribute('data-message-id', id);
      known.set(id, el);
      el._t = Date.parse(m.created_at) || el._t;
      paintMeta(el);
      if (conv && conv.status === 'resolved') load().catch(function () {});
    }, function (e) {
      el.classList.replace('tw-pending', 'tw-failed');
      el._auto = !e.status || e.status >= 500;
      typing(false);
      paintMeta(el);
    }).catch(function () {}).then(function () {
      inflight--;
      if (!inflight) {
        var q = deferred;
        deferred = [];
        q.forEach(function (m) { add(m, false); });
      }
    });
  }

  /* ---------- live messages ---------- */
  /* The bot answers in milliseconds; its reply waits until "typing" has shown for a moment. */
  var holdUntil = 0, held = [];
  function hear(m) {
    var wait = holdUntil - Date.now();
    if (wait > 0 || held.length) {
      if (held.push(m) === 1) setTimeout(release, Math.max(wait, 0));
      return;
    }
    if (add(m, true) && m.author !== 'customer' && panel.hidden) {
      badge.textContent = ++unread;
      badge.hidden = false;
    }
  }
  function release() {
    var q = held;
    held = [];
    holdUntil = 0;
    q.forEach(hear);
  }

  /* ---------- typing ---------- */
  var typingTimer, typingName = null;
  function typing(on, name, ms) {
    clearTimeout(typingTimer);
    typingEl.hidden = !on;
    typingName = name;
    paintTyping();
    if (on) {
      typingTimer = setTimeout(function () { typing(false); }, ms);
      scrollDown();
    }
  }

  function paintTyping() {
    typingLabel.textContent = typingName ? fmt(S.typingName, typingName) : S.typing;
  }

  /* ---------- conversation ---------- */
  function switchTo(c) {
    if (c && c.id !== convId) {
      announced.clear();
      convId = c.id;
    }
  }
  function applyConversation(c) {
    switchTo(c);
    conv = c || null;
    if (conv) speak(conv.language);
    var st = conv && conv.status;
    paintQueue();
    if (st === 'assigned' && conv.agent_name && !announced.has(conv.agent_name)) {
      var last = list.lastElementChild;
      list.append(notice(conv.agent_name, last ? last._t : Date.now()));
      refresh();
    }
    if (st === 'resolved') {
      var done = conv.rating != null || ratedId === conv.id;
      if (rating.hidden) setScore(0);
      rating.hidden = false;
      rateForm.hidden = done;
      thanks.hidden = !done;
      scrollDown();
    } else {
      rating.hidden = true;
      ratedId = null;
    }
  }
  function paintQueue() {
    var st = conv && conv.status;
    queue.hidden = st !== 'queued';
    if (st === 'queued') queue.textContent = conv.queue_position ? fmt(S.queue, conv.queue_position) : S.waiting;
  }
  /* A status frame that came while the GET was under way is newer than its answer. */
  var frames = 0;
  function load() {
    var seen = frames;
    return call('GET', '/conversation').then(function (r) {
      switchTo(r.conversation);
      (r.messages || []).forEach(function (m) { add(m, false); });
      if (seen === frames) applyConversation(r.conversation);
    });
  }

  /* The server writes the request into the conversation and queues it. With no conversation
   * yet it would write it in the inbox's language, so the customer's own words (in the
   * widget's language) ask instead, as they do were the server to refuse (409). */
  function handover() {
    if (!conv) return send(S.humanText);
    var seen = frames;
    call('POST', '/handover').then(function (r) {
      if (r && r.conversation && seen === frames) applyConversation(r.conversation);
    }, function (e) {
      if (e.status === 409) send(S.humanText);
    });
  }

  function setScore(n) {
    score = n;
    stars.forEach(function (s, i) {
      s.classList.toggle('tw-on', i < n);
      s.setAttribute('aria-pressed', String(i + 1 === n));
    });
    rateSubmit.disabled = !n;
    rateError.hidden = true;
    if (!n) comment.value = '';
  }
  function rate() {
    if (!score) return;
    rateSubmit.disabled = true;
    var text = comment.value.trim();
    call('POST', '/rating', text ? { score: score, comment: text } : { score: score }).then(function () {
      ratedId = conv && conv.id;
      rateForm.hidden = true;
      thanks.hidden = false;
    }, function (e) {
      rateSubmit.disabled = false;
      if (e.code === 'not_resolved') rating.hidden = true;
      else rateError.hidden = false;
    });
  }

  /* ---------- WebSocket ---------- */
  var ws, backoff = 1000, retryTimer, pingTimer, openedAt = 0, heard = 0;
  function connect() {
    clearTimeout(retryTimer);
    var sock;
    try {
      sock = ws = new WebSocket(WS_URL + '?token=' + encodeURIComponent(token));
    } catch (e) { return reconnect(); }
    sock.onopen = function () {
      openedAt = heard = Date.now();
      online = true;
      paintStatus();
      load().catch(function () {});
      list.querySelectorAll('.tw-failed').forEach(function (el) { if (el._auto) post(el); });
      /* Ping every 25 s; a socket silent for a minute is dead even if no close event came. */
      pingTimer = setInterval(function () {
        if (Date.now() - heard > 60000) return dropped();
        sock.send('{"type":"ping"}');
      }, 25000);
    };
    sock.onmessage = function (e) {
      heard = Date.now();
      var f;
      try { f = JSON.parse(e.data); } catch (x) { return; }
      if (f.type === 'message') hear(f.message);
      else if (f.type === 'conversation') {
        frames++;
        applyConversation(f.conversation);
      }
      else if (f.type === 'typing') typing(true, f.author_name, 5000);
    };
    sock.onclose = dropped;
    function dropped() {
      sock.onclose = sock.onmessage = null;
      try { sock.close(); } catch (e) { /* already closed */ }
      clearInterval(pingTimer);
      online = false;
      paintStatus();
      if (openedAt && Date.now() - openedAt > 5000) backoff = 1000;
      openedAt = 0;
      reconnect();
    }
  }
  /* Back-off 1 s doubling to 30 s; the visitor is registered again first (a new token if the
   * old one is no longer valid), and the conversation reloaded once the socket opens. */
  function reconnect() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { register().then(connect, reconnect); }, backoff);
    backoff = Math.min(backoff * 2, 30000);
  }
  window.addEventListener('online', function () {
    if (token && (!ws || ws.readyState > 1)) { backoff = 1000; reconnect(); }
  });

  function start() {
    var host = h('div', { id: 'tandem-widget' });
    var root = host.attachShadow({ mode: 'open' });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.append(h('style', { text: CSS })); /* older browsers, pages without a strict CSP */
    }
    root.append(launcher, panel);
    d.body.append(host);
    register().then(function () {
      load().catch(function () {});
      connect();
    }, function (e) {
      if (e.status === 404) {
        label(error, { text: 'unavailable' });
        error.hidden = false;
        status.hidden = true;
        input.disabled = sendBtn.disabled = handoverBtn.disabled = attachBtn.disabled = true;
      } else reconnect();
    });
  }
  if (d.body) start();
  else d.addEventListener('DOMContentLoaded', start);
})();
