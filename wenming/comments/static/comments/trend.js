// The comment topics per month, drawn with ECharts (vendor/echarts, loaded first).
// <div data-wm-topic-chart="ID"> names a json_script element ID holding
// {"labels": ["2026-01", ...], "series": [{"name": "服务态度", "values": [3, 0, ...]}, ...]}:
// one line per topic. Without JavaScript (or ECharts) the table under the chart has the numbers.
(function () {
  "use strict";
  var COLOURS = ["#b3261e", "#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384", "#0dcaf0"];

  function draw(element) {
    if (!window.echarts || element.dataset.wmChartDrawn) return;
    var source = document.getElementById(element.dataset.wmTopicChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    element.dataset.wmChartDrawn = "1";
    chart.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 4, right: 32, top: 40, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: data.labels, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (series) {
        return { name: series.name, type: "line", symbolSize: 6, lineStyle: { width: 2 }, data: series.values };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-wm-topic-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
