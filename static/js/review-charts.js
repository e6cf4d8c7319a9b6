// The review page's charts, drawn on the server as SVG (diary/charts_svg): one JSON request
// ({charts: {name: html}}, started early by the page's <link rel="preload" as="fetch">) whose
// markup goes into the elements with data-chart="name" inside the [data-charts-src] container.
// No charting library, no inline script or style (the markup uses presentation attributes and
// classes only). Each chart's numbers come as data ({tables: {name: {caption, head, rows}}}):
// the table is built, as text nodes, when its <details data-chart-table> is first opened, so a
// long history's thousands of cells cost nothing until someone reads them. When every chart is
// in, <html> gets data-charts="drawn"; when the request fails, the status line says so and the
// placeholders say the chart is missing.

function say(text) {
  const status = document.querySelector('[data-charts-status]');
  if (status) status.textContent = text;
}

function cell(tag, text, scope) {
  const el = document.createElement(tag);
  if (scope) el.scope = scope;
  el.textContent = text;
  return el;
}

// The table of a chart's numbers: a caption, a header row, one row per day / course (its first
// cell a row header), in a scrollable region a keyboard can reach.
function buildTable(key, table) {
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', table.caption);
  const el = document.createElement('table');
  el.className = 'table table--compact';
  el.dataset.chartTable = key;
  el.appendChild(cell('caption', table.caption));
  const head = el.createTHead().insertRow();
  for (const text of table.head) head.appendChild(cell('th', text, 'col'));
  const body = el.createTBody();
  for (const row of table.rows) {
    const tr = body.insertRow();
    tr.appendChild(cell('th', row[0], 'row'));
    for (const text of row.slice(1)) tr.appendChild(cell('td', text));
  }
  wrap.appendChild(el);
  return wrap;
}

function tableOnOpen(details, table) {
  details.addEventListener('toggle', () => {
    if (!details.open || details.querySelector('table')) return;
    details.appendChild(buildTable(details.dataset.chartTable, table));
  });
}

async function drawFetched(container) {
  const places = [...container.querySelectorAll('[data-chart]')];
  let charts;
  let tables;
  try {
    const response = await fetch(container.dataset.chartsSrc, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const body = await response.json();
    charts = body.charts || {};
    tables = body.tables || {};
  } catch (err) {
    console.warn('charts: could not load', err);
    say('The charts could not be loaded. Reload the page to try again; the figures and tables on this page are complete.');
    for (const el of places) {
      el.classList.add('chart--failed');
      el.textContent = 'Chart not loaded.';
    }
    return;
  }
  const started = performance.now();
  for (const el of places) {
    const html = charts[el.dataset.chart];
    if (html === undefined) continue;
    el.innerHTML = html;
    const details = el.querySelector('details[data-chart-table]');
    const table = tables[el.dataset.chart];
    if (details && table) tableOnOpen(details, table);
    el.dataset.drawn = 'true';
  }
  performance.measure('chart all', { start: started, end: performance.now() });
  say('');
}

async function drawAll(root = document) {
  await Promise.all([...root.querySelectorAll('[data-charts-src]')].map(drawFetched));
}

drawAll().then(() => document.documentElement.setAttribute('data-charts', 'drawn'));
