// Draws plotly figures (diary.charts.figure_json: {data, layout, config}) with the local bundle
// (/static/vendor/plotly-diary.min.js, loaded before this). Shared by the patient's trends page,
// the clinic's review and the printed report. Two sources, no inline script (the CSP holds):
// - an element with data-figure: the figure JSON in the attribute itself or, when the attribute
//   is an element id ("some-id" or "#some-id"), in that element's text (e.g. a non-executed
//   <script type="application/json" id="some-id">);
// - a container with data-charts-src: one JSON request for all its charts
//   ({figures: {name: figure}}), each drawn into the element inside with data-chart="name".
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

// One chart per task, with a pause between them: the page stays responsive while a review with
// eight charts draws (no single long task blocks a tap or a scroll).
const nextTask = () => new Promise((resolve) => { setTimeout(resolve, 0); });

// The deferred plotly bundle runs before DOMContentLoaded; a module may start earlier.
const plotlyReady = () => (window.Plotly || document.readyState !== 'loading'
  ? Promise.resolve()
  : new Promise((resolve) => { document.addEventListener('DOMContentLoaded', resolve, { once: true }); }));

function say(text) {
  const status = document.querySelector('[data-charts-status]');
  if (status) status.textContent = text;
}

async function drawFetched(container) {
  let figures;
  try {
    // The same request as the page's <link rel="preload" as="fetch">, which started it early.
    const response = await fetch(container.dataset.chartsSrc, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`status ${response.status}`);
    figures = (await response.json()).figures || {};
  } catch (err) {
    console.warn('charts: could not load', err);
    say('The charts could not be loaded. Reload the page to try again.');
    return [];
  }
  await plotlyReady();
  const drawn = [];
  for (const el of container.querySelectorAll('[data-chart]')) {
    drawn.push(await plot(el, figures[el.dataset.chart]));
    await nextTask();
  }
  say('');
  return drawn;
}

export async function drawAll(root = document) {
  const fetched = [...root.querySelectorAll('[data-charts-src]')].map(drawFetched);
  const drawn = [];
  await plotlyReady();
  for (const el of root.querySelectorAll('[data-figure]')) {
    drawn.push(await drawFigure(el));
    await nextTask();
  }
  for (const charts of await Promise.all(fetched)) drawn.push(...charts);
  return drawn;
}

drawAll().then(() => document.documentElement.setAttribute('data-charts', 'drawn'));
