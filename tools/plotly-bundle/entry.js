// plotly.js with only the trace types diary draws (diary/charts.py: scatter, bar, heatmap).
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/scatter'), require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap')]);

module.exports = Plotly;
