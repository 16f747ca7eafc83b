// Charts of the monthly supervision report, drawn with ECharts (vendor/echarts, loaded first).
// An element <div data-wm-report-chart="ID"> names a json_script element ID holding
// {"kind": "bar" | "trend", "labels": [...], "series": [{"name": "...", "values": [...]}, ...]}:
// "bar" is one series as horizontal bars, largest first (labels on the left, cut short on
// phones); "trend" is findings (left axis) and the closure rate in per cent (right axis) as lines.
// Without JavaScript (or ECharts) the tables under the charts hold the same numbers.
(function () {
  "use strict";
  var RED = "#b3261e";
  var BLUE = "#0d6efd";

  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function barOption(element, data) {
    var series = data.series[0];
    return {
      color: [RED],
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 4, right: 36, top: 4, bottom: 4, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitNumber: 4 },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.labels,
        axisTick: { show: false },
        axisLabel: { width: element.clientWidth < 576 ? 96 : 220, overflow: "truncate" },
      },
      series: [
        {
          name: series.name,
          type: "bar",
          barMaxWidth: 20,
          label: { show: true, position: "right" },
          data: series.values.map(number),
        },
      ],
    };
  }

  function trendOption(element, data) {
    var findings = data.series[0];
    var rate = data.series[1];
    return {
      color: [RED, BLUE],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 4, right: 4, top: 36, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, splitLine: { show: false }, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: findings.name, type: "line", symbolSize: 7, lineStyle: { width: 2.5 }, data: findings.values.map(number) },
        {
          name: rate.name,
          type: "line",
          yAxisIndex: 1,
          connectNulls: false,
          symbolSize: 6,
          lineStyle: { width: 2, type: "dashed" },
          tooltip: { valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
          data: rate.values.map(number),
        },
      ],
    };
  }

  function draw(element) {
    if (!window.echarts || element.dataset.wmChartDrawn) return;
    var source = document.getElementById(element.dataset.wmReportChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    element.dataset.wmChartDrawn = "1";
    chart.setOption(data.kind === "trend" ? trendOption(element, data) : barOption(element, data));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-wm-report-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
