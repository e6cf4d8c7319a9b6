// Draws every element with a data-figure attribute as a plotly figure. Shared by the patient's
// trends page and the clinic's review. The figure is JSON {data, layout, config} (diary.charts.
// figure_json), either in the attribute itself or, when the attribute is an element id ("some-id"
// or "#some-id"), in the text of that element (e.g. a non-executed <script type="application/json" id="some-id">): no inline
// script, so the CSP holds. The page loads /static/vendor/plotly-diary.min.js before this.

function figureOf(el) {
  const source = (el.dataset.figure || '').trim();
  if (source.startsWith('{')) return JSON.parse(source);
  const holder = document.getElementById(source.replace(/^#/, ''));
  return JSON.parse((holder && holder.textContent) || 'null');
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
  if (!figure || !window.Plotly) return Promise.resolve(el);
  el.dataset.drawn = 'true';
  return window.Plotly.newPlot(el, figure.data || [], figure.layout || {}, figure.config || {});
}

// One chart per task, with a pause between them: the page stays responsive while a review with
// six charts draws (no single long task blocks a tap or a scroll).
const nextTask = () => new Promise((resolve) => { setTimeout(resolve, 0); });

export async function drawAll(root = document) {
  const drawn = [];
  for (const el of root.querySelectorAll('[data-figure]')) {
    drawn.push(await drawFigure(el));
    await nextTask();
  }
  return drawn;
}

function start() {
  drawAll().then(() => document.documentElement.setAttribute('data-charts', 'drawn'));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
