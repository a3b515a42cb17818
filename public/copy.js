// Copy buttons: <button type="button" class="copy" data-copy="ELEMENT-ID" hidden>Copy</button> copies the text (or
// the value of an input) of that element. Buttons start hidden, so a page without JavaScript shows none; the text
// stays selectable. A live region (data-copy-status="ID") says whether it worked. No inline script (CSP).
(function () {
  'use strict';
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    var clipboard = window.navigator.clipboard;
    if (!target || !clipboard) return;
    var status = document.getElementById(button.getAttribute('data-copy-status') || (button.getAttribute('data-copy') + '-status'));
    button.hidden = false;
    button.addEventListener('click', function () {
      var text = 'value' in target ? target.value : target.textContent;
      clipboard.writeText(text).then(function () {
        if (status) status.textContent = 'Copied.';
      }, function () {
        if (status) status.textContent = 'Could not copy: select the text and copy it yourself.';
      });
    });
  });
})();
