// The review page's charts, drawn on the server as SVG (diary/charts_svg): one JSON request
// ({charts: {name: html}}, started early by the page's <link rel="preload" as="fetch">) whose
// markup goes into the elements with data-chart="name" inside the [data-charts-src] container.
// No charting library, no inline script or style (the markup uses presentation attributes and
// classes only). When every chart is in, <html> gets data-charts="drawn"; when the request
// fails, the status line says so and the placeholders say the chart is missing.

function say(text) {
  const status = document.querySelector('[data-charts-status]');
  if (status) status.textContent = text;
}

async function drawFetched(container) {
  const places = [...container.querySelectorAll('[data-chart]')];
  let charts;
  try {
    const response = await fetch(container.dataset.chartsSrc, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`status ${response.status}`);
    charts = (await response.json()).charts || {};
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
    el.dataset.drawn = 'true';
  }
  performance.measure('chart all', { start: started, end: performance.now() });
  say('');
}

async function drawAll(root = document) {
  await Promise.all([...root.querySelectorAll('[data-charts-src]')].map(drawFetched));
}

drawAll().then(() => document.documentElement.setAttribute('data-charts', 'drawn'));
