// Browser side of WebAuthn for Gatehouse: registers or uses a security key / passkey through
// @simplewebauthn/browser (served at /public/vendor/simplewebauthn-browser.js, global SimpleWebAuthnBrowser).
// A page opts in with <form id="webauthn-form" data-webauthn="register|authenticate" data-options-url
// data-verify-url data-csrf>. The CSRF value goes in the x-csrf-token header; no inline script (CSP).
(function () {
  'use strict';
  var form = document.getElementById('webauthn-form');
  if (!form) return;
  var errorBox = document.getElementById('webauthn-error');
  var button = document.getElementById('webauthn-start');
  var mode = form.getAttribute('data-webauthn');

  function showError(message) {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.focus();
  }

  async function postJson(url, body) {
    var res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': form.getAttribute('data-csrf') || '' },
      body: JSON.stringify(body),
    });
    var data = await res.json().catch(function () { return null; });
    if (!res.ok) {
      var err = new Error((data && data.error && data.error.message) || 'Something went wrong. Reload the page and try again.');
      err.restart = !!(data && data.error && /^(flow_expired|flow_invalid|csrf_invalid)$/.test(data.error.code));
      throw err;
    }
    return data;
  }

  function browserMessage(e) {
    if (e && e.name === 'NotAllowedError') return 'The request was cancelled or timed out. Try again.';
    if (e && e.name === 'InvalidStateError') return 'This security key is registered already.';
    return (e && e.message) || 'The security key could not be used. Try again.';
  }

  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    var lib = window.SimpleWebAuthnBrowser;
    if (!lib || !lib.browserSupportsWebAuthn()) {
      showError('This browser cannot use security keys or passkeys. Use another way.');
      return;
    }
    if (button) button.disabled = true;
    try {
      var nameInput = form.querySelector('input[name=name]');
      var extra = nameInput ? { name: nameInput.value } : {};
      var optionsJSON = await postJson(form.getAttribute('data-options-url'), extra);
      var response;
      try {
        response = mode === 'register'
          ? await lib.startRegistration({ optionsJSON: optionsJSON })
          : await lib.startAuthentication({ optionsJSON: optionsJSON });
      } catch (e) {
        throw new Error(browserMessage(e), { cause: e });
      }
      var result = await postJson(form.getAttribute('data-verify-url'), Object.assign({ response: response }, extra));
      window.location.assign(result.redirect || '/');
    } catch (e) {
      showError(e.restart ? e.message + ' Go to the sign-in page to start again.' : e.message);
      if (button) button.disabled = false;
    }
  });
})();
