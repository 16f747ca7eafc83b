// Charts of the satisfaction pages, drawn with ECharts (vendor/echarts, loaded first).
// An element <div data-wm-satisfaction-chart="ID"> names a json_script element ID holding
// {"kind": "line" | "bars", "labels": [...], "series": [{"name": "...", "values": ["95.12", null, ...]}]}:
// "line" is the monthly rate in per cent (the first series solid, the second — the target — dashed);
// "bars" is one horizontal bar per label for each series, on a 0–100 scale (rate method in per
// cent and the 100-point score per dimension). Without JavaScript (or ECharts) the tables beside
// the charts hold the same numbers.
(function () {
  "use strict";
  var COLOURS = ["#b3261e", "#6c757d", "#0d6efd", "#198754"];

  function number(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function shown(value) {
    return value === null || value === undefined || isNaN(value) ? "—" : Number(value).toFixed(2);
  }

  function lineOption(data) {
    var values = [];
    data.series.forEach(function (series) {
      series.values.forEach(function (v) { if (v !== null) values.push(Number(v)); });
    });
    var low = values.length ? Math.min.apply(null, values) : 0;
    return {
      color: COLOURS,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return shown(v) + (v === null || v === undefined ? "" : "%"); } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, boundaryGap: false, axisLabel: { hideOverlap: true } },
      yAxis: {
        type: "value",
        min: Math.max(0, Math.floor((low - 5) / 5) * 5),
        max: 100,
        axisLabel: { formatter: "{value}%" },
      },
      series: data.series.map(function (series, index) {
        return {
          name: series.name,
          type: "line",
          connectNulls: false,
          showSymbol: index === 0,
          showAllSymbol: true,  // a lone month between empty ones still shows as a dot
          symbolSize: 7,
          lineStyle: { width: index ? 1.5 : 2.5, type: index ? "dashed" : "solid" },
          data: series.values.map(number),
        };
      }),
    };
  }

  function barsOption(element, data) {
    return {
      color: COLOURS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: shown },
      legend: { top: 0 },
      grid: { left: 4, right: 40, top: 32, bottom: 4, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.labels,
        axisTick: { show: false },
        axisLabel: { width: element.clientWidth < 576 ? 96 : 180, overflow: "truncate" },
      },
      series: data.series.map(function (series) {
        return {
          name: series.name,
          type: "bar",
          barMaxWidth: 14,
          label: { show: true, position: "right", formatter: function (p) { return shown(p.value); } },
          data: series.values.map(number),
        };
      }),
    };
  }

  function draw(element) {
    if (!window.echarts || element.dataset.wmChartDrawn) return;
    var source = document.getElementById(element.dataset.wmSatisfactionChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    element.dataset.wmChartDrawn = "1";
    chart.setOption(data.kind === "bars" ? barsOption(element, data) : lineOption(data));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-wm-satisfaction-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Charts inside content HTMX swapped in (the filters).
  document.addEventListener("htmx:afterSettle", function () { drawAll(document); });
})();
