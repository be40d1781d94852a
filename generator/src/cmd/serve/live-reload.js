// Live reload for `naluga-site serve` (never part of a built site). The server adds this file
// to every page it serves and tells it over server-sent events when the site was rebuilt
// (`reload`) or failed to build (`build-error`, with the errors as the terminal shows them). Errors
// cover the page in an overlay; the page underneath is the last good build. Styles are set
// through the CSSOM because the site's Content-Security-Policy allows no inline style.
(() => {
  'use strict';
  const script = document.currentScript;
  const built = script ? script.dataset.version : null;
  const source = new EventSource('/__naluga/events');
  let overlay = null;

  source.addEventListener('version', (event) => {
    // The page is older than the site now served (a rebuild happened while it loaded).
    if (built !== null && event.data !== built && event.data !== '0') location.reload();
  });
  source.addEventListener('reload', () => location.reload());
  source.addEventListener('build-error', (event) => {
    showErrors(event.data);
  });

  function style(element, properties) {
    Object.assign(element.style, properties);
    return element;
  }

  function showErrors(text) {
    if (overlay) overlay.remove();
    overlay = style(document.createElement('div'), {
      position: 'fixed',
      inset: '0',
      zIndex: '2147483647',
      overflow: 'auto',
      padding: '2rem',
      background: 'rgba(20, 20, 20, 0.94)',
      color: '#fff',
      font: '15px/1.5 system-ui, sans-serif',
    });
    overlay.id = 'naluga-build-error';
    overlay.setAttribute('role', 'alertdialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-labelledby', 'naluga-build-error-title');
    const title = style(document.createElement('h2'), { margin: '0 0 .5rem', color: '#ff8f8f' });
    title.id = 'naluga-build-error-title';
    title.textContent = 'The site did not build';
    const hint = document.createElement('p');
    hint.textContent =
      'Fix the file and save: this page updates itself. Until then the last good version is served.';
    const errors = style(document.createElement('pre'), {
      whiteSpace: 'pre-wrap',
      font: '14px/1.45 ui-monospace, monospace',
      background: '#000',
      padding: '1rem',
      borderRadius: '4px',
    });
    errors.textContent = text;
    const close = style(document.createElement('button'), { font: 'inherit', padding: '.3rem 1rem' });
    close.type = 'button';
    close.textContent = 'Hide';
    close.addEventListener('click', () => {
      overlay.remove();
      overlay = null;
    });
    overlay.append(title, hint, errors, close);
    document.body.append(overlay);
    close.focus();
  }
})();
