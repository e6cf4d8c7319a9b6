// Draws plotly figures (diary.charts.figure_json: {data, layout, config}) with the local bundle
// (/static/vendor/plotly-diary.min.js, loaded before this): the printed pre-visit report's two
// charts. (The review's charts are SVG drawn on the server: review-charts.js.) No inline script
// (the CSP holds): an element with data-figure holds the figure JSON in the attribute itself or,
// when the attribute is an element id ("some-id" or "#some-id"), in that element's text (e.g. a
// non-executed <script type="application/json" id="some-id">).
// When every chart is drawn, <html> gets data-charts="drawn".

function figureOf(el) {
  const source = (el.dataset.figure || '').trim();
  if (source.startsWith('{')) return JSON.parse(source);
  const holder = document.getElementById(source.replace(/^#/, ''));
  return JSON.parse((holder && holder.textContent) || 'null');
}

// Each chart's drawing time is a performance measure "chart <name>" (bench/charts_drawn.py
// prints them).
async function plot(el, figure) {
  if (!figure || !window.Plotly) return el;
  el.dataset.drawn = 'true';
  const started = performance.now();
  await window.Plotly.newPlot(el, figure.data || [], figure.layout || {}, figure.config || {});
  const name = el.dataset.chart || el.dataset.figure || '';
  performance.measure(`chart ${name}`, { start: started, end: performance.now() });
  return el;
}

export function drawFigure(el) {
  if (el.dataset.drawn === 'true') return Promise.resolve(el);
  let figure;
  try {
    figure = figureOf(el);
  } catch (err) {
    console.warn('chart: bad figure JSON', err);
    return Promise.resolve(el);
  }
  return plot(el, figure);
}

// One chart per task, with a pause between them: the page stays responsive while it draws.
const nextTask = () => new Promise((resolve) => { setTimeout(resolve, 0); });

// The deferred plotly bundle runs before DOMContentLoaded; a module may start earlier.
const plotlyReady = () => (window.Plotly || document.readyState !== 'loading'
  ? Promise.resolve()
  : new Promise((resolve) => { document.addEventListener('DOMContentLoaded', resolve, { once: true }); }));

export async function drawAll(root = document) {
  const drawn = [];
  await plotlyReady();
  for (const el of root.querySelectorAll('[data-figure]')) {
    drawn.push(await drawFigure(el));
    await nextTask();
  }
  return drawn;
}

drawAll().then(() => document.documentElement.setAttribute('data-charts', 'drawn'));
