// Copy buttons: a button with data-copy="ID" copies the text of the element #ID and says so in #ID-status
// (role=status). The buttons are hidden until this script shows them, so a page without JavaScript offers only
// what works there (select the text, or download it). No inline script anywhere (CSP): pages include this file.
(function () {
  'use strict';
  var buttons = document.querySelectorAll('button[data-copy]');
  Array.prototype.forEach.call(buttons, function (button) {
    var id = button.getAttribute('data-copy');
    var source = document.getElementById(id);
    var status = document.getElementById(id + '-status');
    if (!source || !window.navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      window.navigator.clipboard.writeText(source.textContent).then(function () {
        if (status) status.textContent = 'Copied.';
      }, function () {
        if (status) status.textContent = 'Could not copy: select the text and copy it, or download it.';
      });
    });
  });
})();
