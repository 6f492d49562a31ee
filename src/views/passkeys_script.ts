/**
 * The pages' passkey script, served as /static/passkeys.js next to /static/webauthn.js
 * (@simplewebauthn/browser). No inline handlers: it finds its forms by data attributes.
 *
 * - `form[data-passkey-signin]`: the button `[data-passkey-start]` runs navigator.credentials.get()
 *   with options fetched (POST, the form's CSRF token) from the attribute's URL, puts the answer in
 *   the form's `credential` field and submits the form. When the browser supports conditional
 *   mediation, the same runs at load with passkey autofill on `autocomplete="username webauthn"`.
 * - `button[data-passkey-create]` (sign-up): the same with the button's form, posted to `data-passkey-action`.
 * - `form[data-passkey-register]`: submitting it fetches creation options (POST, the form's
 *   fields), runs navigator.credentials.create() and submits the form with the answer.
 */
export const PASSKEYS_JS = `(function () {
  'use strict';
  var W = window.SimpleWebAuthnBrowser;
  function say(form, text) {
    var box = form.querySelector('[data-passkey-error]') || document.querySelector('[data-passkey-error]');
    if (box) { box.textContent = text; box.setAttribute('role', 'alert'); box.hidden = false; }
  }
  function options(url, form) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', body: new URLSearchParams(new FormData(form)) }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error_description || body.error || 'error');
        return body;
      });
    });
  }
  function send(form, answer) {
    form.querySelector('input[name="credential"]').value = JSON.stringify(answer);
    HTMLFormElement.prototype.submit.call(form);
  }
  function failed(form) {
    return function (e) {
      if (window.console) console.warn('passkey:', e && (e.name + ' ' + e.message));
      if (e && (e.name === 'AbortError' || e.code === 'ERROR_CEREMONY_ABORTED')) return;
      say(form, form.getAttribute('data-passkey-failed') || 'The passkey could not be used.');
    };
  }
  if (!W || !W.browserSupportsWebAuthn()) {
    document.querySelectorAll('[data-passkey-only]').forEach(function (el) { el.hidden = true; });
    return;
  }
  document.querySelectorAll('form[data-passkey-signin]').forEach(function (form) {
    var url = form.getAttribute('data-passkey-signin');
    var start = form.querySelector('[data-passkey-start]');
    if (start) start.addEventListener('click', function () {
      options(url, form).then(function (o) { return W.startAuthentication({ optionsJSON: o }); }).then(function (a) { send(form, a); }, failed(form));
    });
    if (form.hasAttribute('data-passkey-autofill')) {
      W.browserSupportsWebAuthnAutofill().then(function (yes) {
        if (!yes) return;
        // Autofill was not asked for by a click: its failures stay quiet (the button still works).
        options(url, form).then(function (o) { return W.startAuthentication({ optionsJSON: o, useBrowserAutofill: true }); }).then(function (a) { send(form, a); }, function (e) {
          if (window.console) console.warn('passkey autofill:', e && (e.name + ' ' + e.message));
        });
      });
    }
  });
  document.querySelectorAll('button[data-passkey-create]').forEach(function (button) {
    button.addEventListener('click', function () {
      var form = button.form;
      if (!form.reportValidity()) return;
      options(button.getAttribute('data-passkey-create'), form).then(function (o) { return W.startRegistration({ optionsJSON: o }); }).then(function (a) {
        form.action = button.getAttribute('data-passkey-action');
        send(form, a);
      }, failed(form));
    });
  });
  document.querySelectorAll('form[data-passkey-register]').forEach(function (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      options(form.getAttribute('data-passkey-register'), form).then(function (o) { return W.startRegistration({ optionsJSON: o }); }).then(function (a) { send(form, a); }, failed(form));
    });
  });
  document.querySelectorAll('[data-passkey-only]').forEach(function (el) { el.hidden = false; });
  // Tells the password form that this device has a platform authenticator (the server may then offer a passkey).
  W.platformAuthenticatorIsAvailable().then(function (yes) {
    if (yes) document.querySelectorAll('input[data-passkey-capable]').forEach(function (el) { el.value = '1'; });
  });
})();
`;
