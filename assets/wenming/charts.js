// Line charts drawn with ECharts (assets/vendor/echarts, loaded before this file).
// An element <div data-wm-chart="ID"> names a json_script element ID holding
// {"labels": [...], "series": [{"name": "...", "values": ["93.50", null, ...]}, ...]};
// the first series is the subject (solid red), the others are references (dashed grey).
// Without JavaScript (or ECharts) the page's table of figures stays the source of the numbers.
(function () {
  "use strict";
  var COLOURS = ["#b3261e", "#6c757d", "#0d6efd", "#198754"];

  function draw(element) {
    if (!window.echarts || element.dataset.wmChartDrawn) return;
    var source = document.getElementById(element.dataset.wmChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    element.dataset.wmChartDrawn = "1";
    chart.setOption({
      color: COLOURS,
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) {
          return value === null || value === undefined || isNaN(value) ? "—" : Number(value).toFixed(2);
        },
      },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: data.labels, boundaryGap: false },
      yAxis: { type: "value", scale: true, minInterval: 1, axisLabel: { formatter: function (v) { return Number(v).toFixed(0); } } },
      series: data.series.map(function (series, index) {
        return {
          name: series.name,
          type: "line",
          connectNulls: false,
          symbolSize: index ? 4 : 7,
          lineStyle: { width: index ? 1.5 : 2.5, type: index ? "dashed" : "solid" },
          data: series.values.map(function (value) { return value === null ? null : Number(value); }),
        };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-wm-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Charts inside content HTMX swapped in.
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
