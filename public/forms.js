// Moves keyboard focus to the page's error message, so screen readers and keyboard users land on it.
// No inline script anywhere (CSP): pages include this file.
(function () {
  'use strict';
  var error = document.getElementById('form-error');
  if (error) error.focus();
})();
