// "Copy codes" on the recovery-codes page: copies the listed codes, one a line, and says so (role=status).
// The button stays hidden without JavaScript; Download works without it. No inline script anywhere (CSP).
(function () {
  'use strict';
  var button = document.getElementById('copy-codes');
  var status = document.getElementById('copy-status');
  if (!button) return;
  var list = document.getElementById(button.getAttribute('data-copy-list') || '');
  if (!list) return;
  var text = Array.prototype.map.call(list.querySelectorAll('code'), function (c) { return c.textContent.trim(); }).join('\n') + '\n';
  function say(message) { if (status) status.textContent = message; }
  function fallback() {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.appendChild(area);
    area.select();
    var ok;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    document.body.removeChild(area);
    button.focus();
    say(ok ? 'Copied the codes.' : 'Could not copy: select the codes and copy them yourself.');
  }
  button.hidden = false;
  button.addEventListener('click', function () {
    var clipboard = window.navigator.clipboard;
    if (clipboard && window.isSecureContext) {
      clipboard.writeText(text).then(function () { say('Copied the codes.'); }, fallback);
    } else {
      fallback();
    }
  });
})();
