extension WidgetScript {
    /// The widget's behaviour: launcher, panel, streaming, history, states, keyboard.
    static let logic = #"""
        var script = document.currentScript;
        if (!script || window.SwitchboardWebchat) return;
        var src = new URL(script.src, location.href);
        var key = script.getAttribute('data-key') || src.searchParams.get('key') || '';
        var base = src.origin;
        var store = 'switchboard.webchat.' + (key || base);

        function chooseLanguage(tags) {
          for (var i = 0; i < tags.length; i++) {
            var primary = String(tags[i] || '').toLowerCase().split(/[-_;]/)[0];
            if (STRINGS[primary]) return primary;
          }
          return 'en';
        }
        var pageTags = [document.documentElement.lang].concat(navigator.languages || [navigator.language]);
        var strings = STRINGS[chooseLanguage(pageTags)];
        var state = load();
        var busy = false, unread = 0, lastFailed = null, config = null;

        function load() {
          try { return JSON.parse(localStorage.getItem(store)) || {}; } catch (e) { return {}; }
        }
        function save() {
          try { localStorage.setItem(store, JSON.stringify(state)); } catch (e) { /* private mode */ }
        }
        function url(path) {
          return base + path + (key ? (path.indexOf('?') < 0 ? '?' : '&') + 'key=' + encodeURIComponent(key) : '');
        }
        function el(tag, cls, attrs) {
          var node = document.createElement(tag);
          if (cls) node.className = cls;
          for (var name in (attrs || {})) node.setAttribute(name, attrs[name]);
          return node;
        }

        var host = el('switchboard-webchat', '', { id: 'switchboard-webchat' });
        var shadow = host.attachShadow({ mode: 'open' });
        var style = el('style'); style.textContent = CSS; shadow.appendChild(style);
        var root = el('div', 'root'); shadow.appendChild(root);
        var panel = el('div', 'panel', { role: 'dialog', id: 'sb-panel', 'aria-labelledby': 'sb-title', hidden: '' });
        var header = el('div', 'header');
        var title = el('h2', '', { id: 'sb-title' });
        var reset = el('button', 'reset', { type: 'button' }); reset.textContent = '\u21BA';
        var close = el('button', 'close', { type: 'button' }); close.textContent = '\u00D7';
        header.append(title, reset, close);
        var log = el('div', 'log', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
        var typing = el('div', 'typing', { role: 'status', hidden: '' });
        typing.append(el('span'), el('span'), el('span'));
        var typingLabel = el('span', 'sr'); typing.appendChild(typingLabel);
        var status = el('div', 'status', { role: 'alert', hidden: '' });
        var statusText = el('p'); var retry = el('button', 'retry', { type: 'button' });
        status.append(statusText, retry);
        var form = el('form', 'composer');
        var input = el('textarea', '', { rows: '1', maxlength: '4000' });
        var send = el('button', 'send', { type: 'submit' });
        form.append(input, send);
        panel.append(header, log, status, form);
        var launcher = el('button', 'launcher', { type: 'button', 'aria-controls': 'sb-panel', 'aria-expanded': 'false' });
        launcher.innerHTML = '<svg class="icon-open" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>'
          + '<svg class="icon-close" viewBox="0 0 24 24" aria-hidden="true"><path d="M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z"/></svg>';
        var badge = el('span', 'badge', { hidden: '' }); launcher.appendChild(badge);
        root.append(panel, launcher);

        function applyStrings() {
          title.textContent = (config && config.theme.title) || strings.title;
          launcher.setAttribute('aria-label', strings.open);
          close.setAttribute('aria-label', strings.close); close.title = strings.close;
          reset.setAttribute('aria-label', strings.newChat); reset.title = strings.newChat;
          input.setAttribute('placeholder', strings.placeholder); input.setAttribute('aria-label', strings.placeholder);
          send.textContent = strings.send; retry.textContent = strings.retry; typingLabel.textContent = strings.typing;
        }
        function applyTheme(theme) {
          if (/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(theme.color)) root.style.setProperty('--sb-color', theme.color);
          root.classList.toggle('left', theme.position === 'bottom-left');
        }

        function bubble(role, text) {
          var node = el('div', 'msg ' + (role === 'visitor' ? 'visitor' : 'assistant'), { 'data-role': role });
          node.textContent = text;
          log.insertBefore(node, typing);
          log.scrollTop = log.scrollHeight;
          return node;
        }
        function showStatus(text, canRetry) {
          statusText.textContent = text; retry.hidden = !canRetry; status.hidden = false;
          status.setAttribute('data-state', canRetry ? 'error' : 'unavailable');
        }
        function clearStatus() { status.hidden = true; status.removeAttribute('data-state'); }
        function setBusy(value) {
          busy = value; send.disabled = value; typing.hidden = !value;
          if (value) log.scrollTop = log.scrollHeight;
        }
        function renderGreeting() {
          log.textContent = ''; log.appendChild(typing);
          bubble('greeting', (config && config.theme.greeting) || strings.greeting);
        }
        function markUnread() {
          if (!panel.hidden) return;
          unread += 1; badge.textContent = String(unread); badge.hidden = false;
          launcher.setAttribute('aria-label', strings.open + ' (' + unread + ' ' + strings.unread + ')');
        }

        function setOpen(open, focus) {
          panel.hidden = !open; launcher.setAttribute('aria-expanded', String(open));
          state.open = open; save();
          if (open) {
            unread = 0; badge.hidden = true; launcher.setAttribute('aria-label', strings.close);
            if (focus !== false) input.focus();
            log.scrollTop = log.scrollHeight;
          } else {
            launcher.setAttribute('aria-label', strings.open);
            if (focus !== false) launcher.focus();
          }
        }

        function failure(response, body) {
          if (!response) return navigator.onLine === false ? strings.offline : strings.error;
          if (response.status === 403) return strings.unavailable;
          return (body && body.message) || strings.error;
        }

        function readEvents(response, onEvent) {
          var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = '';
          function pump() {
            return reader.read().then(function (chunk) {
              buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
              var parts = buffer.split(/\r?\n\r?\n/);
              buffer = parts.pop();
              parts.forEach(function (block) {
                var name = 'message', data = [];
                block.split(/\r?\n/).forEach(function (line) {
                  if (line.indexOf('event:') === 0) name = line.slice(6).trim();
                  else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
                });
                if (data.length) onEvent(name, JSON.parse(data.join('\n')));
              });
              if (!chunk.done) return pump();
            });
          }
          return pump();
        }

        function sendMessage(text, isRetry) {
          if (busy || !text) return;
          clearStatus();
          if (!isRetry) bubble('visitor', text);
          setBusy(true);
          var reply = null, tokens = 0, finished = false;
          var body = JSON.stringify({ session_id: state.session || undefined, message: text, stream: true });
          fetch(url('/chat'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body })
            .then(function (response) {
              if (!response.ok) {
                return response.json().catch(function () { return null; }).then(function (err) {
                  if (response.status === 404 && err && err.error === 'session_not_found') {
                    state.session = null; save(); setBusy(false); return sendMessage(text, true);
                  }
                  throw { response: response, body: err };
                });
              }
              return readEvents(response, function (name, data) {
                if (name === 'session') { state.session = data.session_id; save(); }
                else if (name === 'token') {
                  if (!reply) { reply = bubble('assistant', ''); typing.hidden = true; }
                  if (data.index === 0) { reply.textContent = ''; tokens = 0; }
                  reply.textContent += data.text; tokens += 1;
                  reply.setAttribute('data-tokens', String(tokens));
                  log.scrollTop = log.scrollHeight;
                } else if (name === 'done') {
                  finished = true;
                  if (data.reply === null) { bubble('assistant', strings.received); }
                  else {
                    if (!reply) reply = bubble('assistant', '');
                    reply.textContent = data.reply; reply.setAttribute('data-state', 'done');
                  }
                  markUnread();
                } else if (name === 'error') {
                  if (data.retrying) { if (reply) { reply.textContent = ''; } typing.hidden = false; }
                  else { finished = true; throw { body: data }; }
                }
              }).then(function () { if (!finished) throw { body: null, response: null }; });
            })
            .then(function () { setBusy(false); lastFailed = null; })
            .catch(function (err) {
              setBusy(false);
              if (reply && !finished) reply.remove();
              lastFailed = text;
              showStatus(failure(err && err.response, err && err.body), true);
            });
        }

        function loadHistory() {
          if (!state.session) return Promise.resolve();
          return fetch(url('/chat/' + encodeURIComponent(state.session) + '/history')).then(function (response) {
            if (response.status === 404) { state.session = null; save(); return; }
            if (!response.ok) throw { response: response };
            return response.json().then(function (page) {
              page.messages.forEach(function (m) { bubble(m.role, m.text).setAttribute('data-history', 'true'); });
            });
          });
        }

        function start() {
          clearStatus();
          var lang = encodeURIComponent(pageTags.filter(Boolean).join(','));
          return fetch(url('/widget/config?lang=' + lang)).then(function (response) {
            if (!response.ok) throw { response: response };
            return response.json();
          }).then(function (value) {
            config = value; strings = value.strings; applyTheme(value.theme); applyStrings();
            input.setAttribute('maxlength', String(value.max_message_bytes));
            renderGreeting();
            root.setAttribute('data-ready', 'true');
            return loadHistory();
          }).catch(function (err) {
            lastFailed = null;
            showStatus(navigator.onLine === false ? strings.offline : strings.unavailable, true);
            root.setAttribute('data-ready', 'error');
          });
        }

        launcher.addEventListener('click', function () { setOpen(panel.hidden); });
        close.addEventListener('click', function () { setOpen(false); });
        reset.addEventListener('click', function () {
          var old = state.session; state.session = null; save(); renderGreeting(); clearStatus();
          if (old) fetch(url('/chat/' + encodeURIComponent(old)), { method: 'DELETE' }).catch(function () {});
          input.focus();
        });
        retry.addEventListener('click', function () {
          if (lastFailed) sendMessage(lastFailed, true);
          else start();
        });
        form.addEventListener('submit', function (event) {
          event.preventDefault();
          var text = input.value.trim();
          if (!text || busy || !config) return;
          input.value = '';
          sendMessage(text, false);
        });
        input.addEventListener('keydown', function (event) {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event('submit'));
          }
        });
        root.addEventListener('keydown', function (event) {
          if (event.key === 'Escape' && !panel.hidden) { event.stopPropagation(); setOpen(false); }
        });
        window.addEventListener('online', function () {
          if (!config) start();
          else if (lastFailed) showStatus(strings.error, true);
          else clearStatus();
        });
        window.addEventListener('offline', function () { showStatus(strings.offline, false); });

        applyStrings(); renderGreeting();
        function mount() {
          document.body.appendChild(host);
          start();
          if (state.open) setOpen(true, false);
        }
        if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
        window.SwitchboardWebchat = {
          open: function () { setOpen(true); }, close: function () { setOpen(false); },
          send: function (text) { sendMessage(String(text), false); }
        };
        """#
}
