// The inquiry form, enhanced. Without this script the form is a plain POST to the intake and
// works as it is; with it, the form sends JSON, shows the intake's per-field messages in place,
// and carries a submission id (UUID v7) so that a double click or a retry stores one inquiry.
// No framework, nothing from elsewhere, nothing inline: the Content-Security-Policy allows
// scripts from the site only.
(function () {
  'use strict';

  var form = document.getElementById('inquiry');
  if (!form || !window.fetch || !window.crypto || !window.crypto.getRandomValues) {
    return;
  }

  var summary = document.getElementById('form-summary');
  var status = document.getElementById('form-status');
  var button = form.querySelector('button');
  var shownAt = new Date().toISOString();
  var submissionId = uuidv7();
  var sending = false;

  // The intake's messages replace the browser's: one wording, in the page's language.
  form.noValidate = true;

  // A UUID version 7: 48 bits of milliseconds since 1970, then random bits (RFC 9562).
  function uuidv7() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var ms = Date.now();
    for (var i = 5; i >= 0; i--) {
      bytes[i] = ms % 256;
      ms = Math.floor(ms / 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map
      .call(bytes, function (b) { return (b < 16 ? '0' : '') + b.toString(16); })
      .join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' +
      hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function collect() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      data[name] = value;
    });
    data.consent_privacy = form.elements.consent_privacy.checked;
    data.consent_marketing = form.elements.consent_marketing.checked;
    data.submission_id = submissionId;
    data.shown_at = shownAt;
    return data;
  }

  // The control a field's message belongs to, and the element the message goes after.
  function place(field) {
    var control = document.getElementById('f-' + field);
    if (!control) {
      return null;
    }
    var anchor = control.tagName === 'FIELDSET'
      ? control.querySelector('legend')
      : (control.closest('.field') || control).querySelector('label');
    var label = control.tagName === 'FIELDSET'
      ? control.querySelector('legend')
      : form.querySelector('label[for="' + control.id + '"]');
    var inputs = control.tagName === 'FIELDSET'
      ? Array.prototype.slice.call(control.querySelectorAll('input'))
      : [control];
    return { control: control, anchor: anchor, inputs: inputs, label: label };
  }

  function describedBy(input, id, add) {
    var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (x) {
      return x && x !== id;
    });
    if (add) {
      ids.unshift(id);
    }
    if (ids.length) {
      input.setAttribute('aria-describedby', ids.join(' '));
    } else {
      input.removeAttribute('aria-describedby');
    }
  }

  function clearErrors() {
    summary.hidden = true;
    summary.textContent = '';
    Array.prototype.forEach.call(form.querySelectorAll('.field-error'), function (p) {
      var owners = form.querySelectorAll('[aria-describedby~="' + p.id + '"]');
      Array.prototype.forEach.call(owners, function (input) {
        input.removeAttribute('aria-invalid');
        describedBy(input, p.id, false);
      });
      p.remove();
    });
  }

  function labelText(label) {
    var copy = label.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll('.optional, .version'), function (el) {
      el.remove();
    });
    return copy.textContent.replace(/\s+/g, ' ').trim();
  }

  function showSummary(title, items) {
    summary.textContent = '';
    var heading = document.createElement('p');
    heading.className = 'form-summary-title';
    heading.textContent = title;
    summary.appendChild(heading);
    if (items.length) {
      var list = document.createElement('ul');
      items.forEach(function (item) {
        var li = document.createElement('li');
        if (item.href) {
          var a = document.createElement('a');
          a.href = item.href;
          a.textContent = item.text;
          li.appendChild(a);
        } else {
          li.textContent = item.text;
        }
        list.appendChild(li);
      });
      summary.appendChild(list);
    }
    summary.hidden = false;
    summary.focus();
  }

  function showErrors(errors) {
    var items = [];
    Object.keys(errors).forEach(function (field) {
      var message = String(errors[field]);
      var where = place(field);
      if (!where) {
        items.push({ text: message });
        return;
      }
      var p = document.createElement('p');
      p.className = 'field-error';
      p.id = 'f-' + field + '-error';
      p.textContent = message;
      where.anchor.insertAdjacentElement('afterend', p);
      where.inputs.forEach(function (input) {
        input.setAttribute('aria-invalid', 'true');
        describedBy(input, p.id, true);
      });
      items.push({
        text: (where.label ? labelText(where.label) + ': ' : '') + message,
        href: '#' + where.inputs[0].id
      });
    });
    showSummary(form.dataset.msgSummary, items);
  }

  function finish() {
    sending = false;
    button.disabled = false;
    status.textContent = '';
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (sending) {
      return;
    }
    sending = true;
    button.disabled = true;
    clearErrors();
    status.textContent = form.dataset.msgSending;
    window.fetch(form.dataset.endpoint, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(collect())
    }).then(function (response) {
      if (response.status === 201) {
        window.location.assign(form.dataset.thanks);
        return null;
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        finish();
        if (response.status === 422 && answer.errors) {
          if (answer.errors.submission_id) {
            // This browser's clock is too far off for an id the intake accepts: send the form
            // the plain way, where the intake makes the id.
            form.submit();
            return;
          }
          showErrors(answer.errors);
        } else if (response.status >= 500) {
          showSummary(form.dataset.msgUnavailable, []);
        } else {
          showSummary(answer.message || form.dataset.msgNetwork, []);
        }
      });
    }).catch(function () {
      finish();
      showSummary(form.dataset.msgNetwork, []);
    });
  });
})();
