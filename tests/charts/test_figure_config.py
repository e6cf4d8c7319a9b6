"""figure_json's config: interactive by default, static for printed pages."""

import json

import plotly.graph_objects as go

from diary import charts


def test_figure_json_default_and_static_config():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, None]))
    default = json.loads(charts.figure_json(fig))
    assert default["config"] == charts.PLOT_CONFIG
    assert default["data"][0]["y"] == [3, None]
    static = json.loads(charts.figure_json(fig, config=charts.STATIC_CONFIG))
    assert static["config"]["staticPlot"] is True and static["config"]["responsive"] is False
