// Copy buttons: <button type="button" data-copy="ELEMENT-ID" hidden>Copy</button> copies that element: an input's
// value, a list's items one a line, or the element's text. Buttons start hidden, so a page without JavaScript shows
// none and the text stays selectable. A live region (data-copy-status="ID", else ELEMENT-ID-status) says whether it
// worked, in the button's data-copied words when it has them. Where the Clipboard API is missing (a page served over
// plain HTTP to another address), a hidden text area and execCommand('copy') do it. No inline script (CSP).
(function () {
  'use strict';
  function textOf(target) {
    if ('value' in target) return target.value;
    if (target.tagName === 'OL' || target.tagName === 'UL') {
      return Array.prototype.map.call(target.querySelectorAll('li'), function (li) { return li.textContent.trim(); }).join('\n') + '\n';
    }
    return target.textContent;
  }
  function copyByCommand(text, button) {
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
    return ok;
  }
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) return;
    var status = document.getElementById(button.getAttribute('data-copy-status') || (button.getAttribute('data-copy') + '-status'));
    function say(ok) {
      if (status) status.textContent = ok ? (button.getAttribute('data-copied') || 'Copied.') : 'Could not copy: select the text and copy it yourself.';
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = textOf(target);
      var clipboard = window.navigator.clipboard;
      if (clipboard && window.isSecureContext) {
        clipboard.writeText(text).then(function () { say(true); }, function () { say(copyByCommand(text, button)); });
      } else {
        say(copyByCommand(text, button));
      }
    });
  });
})();
