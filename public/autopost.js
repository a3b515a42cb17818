// Submits the SAML auto-POST form once the page has loaded (no inline script: CSP forbids it).
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('autopost');
  if (form) form.submit();
});
