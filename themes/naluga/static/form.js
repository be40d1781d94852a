// The inquiry form, enhanced. Without this script the form is a plain multipart POST to the
// intake and works as it is, files included; with it, the form checks the files first (count,
// type, size), sends JSON (or multipart with the files, showing the upload's progress), shows
// the intake's per-field messages in place, and carries a submission id (UUID v7) so that a
// double click or a retry stores one inquiry.
// No framework, nothing from elsewhere, nothing inline: the Content-Security-Policy allows
// scripts from the site only.
(function () {
  'use strict';

  var form = document.getElementById('inquiry');
  if (!form || !window.fetch || !window.FormData || !window.crypto || !window.crypto.getRandomValues) {
    return;
  }

  // The intake's limits (intake/src/attachments/mod.rs), checked here first.
  var MAX_FILES = 5;
  var MAX_TOTAL = 4 * 1024 * 1024;
  var TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/pdf'];
  var EXTENSIONS = /\.(jpe?g|png|webp|gif|pdf)$/i;

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

  function files() {
    var input = form.elements.attachments;
    return input && input.files ? Array.prototype.slice.call(input.files) : [];
  }

  // The files' problem, in the page's language, or null. The intake checks again, by content.
  function checkFiles(list) {
    if (list.length > MAX_FILES) {
      return form.dataset.msgFilesTooMany;
    }
    var total = 0;
    for (var i = 0; i < list.length; i++) {
      var file = list[i];
      if (TYPES.indexOf(file.type) < 0 && !EXTENSIONS.test(file.name)) {
        return form.dataset.msgFilesType.replace('{name}', file.name);
      }
      if (file.size === 0) {
        return form.dataset.msgFilesEmpty.replace('{name}', file.name);
      }
      total += file.size;
    }
    if (total > MAX_TOTAL) {
      return form.dataset.msgFilesSize.replace('{size}', (total / 1024 / 1024).toFixed(1));
    }
    return null;
  }

  function collect() {
    var data = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== 'attachments') {
        data[name] = value;
      }
    });
    data.consent_privacy = form.elements.consent_privacy.checked;
    data.consent_marketing = form.elements.consent_marketing.checked;
    data.submission_id = submissionId;
    data.shown_at = shownAt;
    // By the same clock as shown_at: the intake takes a form sent faster than a person can
    // fill it in for a bot's.
    data.sent_at = new Date().toISOString();
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

  // The intake's answer: the thank-you page, the messages by their fields, or why not.
  function answered(code, answer) {
    if (code === 201) {
      window.location.assign(form.dataset.thanks);
      return;
    }
    finish();
    if ((code === 422 || code === 413) && answer.errors) {
      if (answer.errors.submission_id) {
        // This browser's clock is too far off for an id the intake accepts: send the form
        // the plain way, where the intake makes the id.
        form.submit();
        return;
      }
      showErrors(answer.errors);
    } else if (code === 429) {
      var minutes = Math.max(1, Math.ceil((Number(answer.retry_after) || 60) / 60));
      showSummary(form.dataset.msgRateLimited.replace('{minutes}', String(minutes)), []);
    } else if (code >= 500) {
      showSummary(form.dataset.msgUnavailable, []);
    } else {
      showSummary(answer.message || form.dataset.msgNetwork, []);
    }
  }

  function failed() {
    finish();
    showSummary(form.dataset.msgNetwork, []);
  }

  function sendJson() {
    window.fetch(form.dataset.endpoint, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(collect())
    }).then(function (response) {
      if (response.status === 201) {
        answered(201, {});
        return null;
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        answered(response.status, answer);
      });
    }).catch(failed);
  }

  // With files: multipart, through XMLHttpRequest, whose upload reports its progress (fetch
  // cannot). The same submission id and fields; the intake answers in JSON when asked.
  function sendMultipart() {
    var data = new FormData(form);
    var fields = collect();
    Object.keys(fields).forEach(function (name) {
      data.set(name, String(fields[name]));
    });
    var request = new XMLHttpRequest();
    request.open('POST', form.dataset.endpoint);
    request.setRequestHeader('accept', 'application/json');
    request.upload.addEventListener('progress', function (event) {
      if (event.lengthComputable) {
        var percent = Math.floor((event.loaded / event.total) * 100);
        status.textContent = form.dataset.msgUploading.replace('{percent}', String(percent));
      }
    });
    request.addEventListener('load', function () {
      var answer = {};
      try {
        answer = JSON.parse(request.responseText || '{}');
      } catch (e) {
        answer = {};
      }
      answered(request.status, answer);
    });
    request.addEventListener('error', failed);
    request.addEventListener('abort', failed);
    request.send(data);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (sending) {
      return;
    }
    clearErrors();
    var chosen = files();
    var problem = checkFiles(chosen);
    if (problem) {
      showErrors({ attachments: problem });
      return;
    }
    sending = true;
    button.disabled = true;
    status.textContent = form.dataset.msgSending;
    if (chosen.length) {
      sendMultipart();
    } else {
      sendJson();
    }
  });

  // A new choice of files is checked at once, beside the field.
  if (form.elements.attachments) {
    form.elements.attachments.addEventListener('change', function () {
      clearErrors();
      var problem = checkFiles(files());
      if (problem) {
        showErrors({ attachments: problem });
      }
    });
  }
})();
