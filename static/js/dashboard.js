/* The leaders' dashboard charts (ECharts). Data comes from the json_script block; each bar
   links to the ledger filtered to exactly those risks. The tables below hold the same numbers. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var levelColors = ["#b42318", "#c2410c", "#ca8a04", "#1d4ed8"];
    var charts = [];

    function make(id, option, links) {
      var el = document.getElementById(id);
      if (!el) return;
      var chart = window.echarts.init(el);
      chart.setOption(option);
      if (links) {
        chart.on("click", function (params) {
          var url = links[params.seriesIndex] && links[params.seriesIndex][params.dataIndex];
          if (url) window.location.href = url;
        });
      }
      charts.push(chart);
    }

    var grid = { left: 40, right: 16, top: 36, bottom: 60, containLabel: true };
    function axes(categories, rotate, series) {
      return {
        // richText: the tooltip is drawn on the canvas, not as HTML with inline styles (CSP).
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { top: 0 },
        grid: grid,
        xAxis: { type: "category", data: categories, axisLabel: rotate ? { interval: 0, rotate: 30 } : {} },
        yAxis: { type: "value", minInterval: 1 },
        series: series,
      };
    }

    make("chart-domain", axes(data.domains, true, data.levels.map(function (name, i) {
      return { name: name, type: "bar", stack: "level", data: data.domainSeries[i], itemStyle: { color: levelColors[i] } };
    })), data.domainLinks);

    make("chart-units", axes(data.units, true, [
      { name: data.names.open, type: "bar", data: data.unitOpen, itemStyle: { color: "#1f3a5f" } },
      { name: data.names.overdueNow, type: "bar", data: data.unitOverdue, itemStyle: { color: "#b42318" } },
    ]), [data.unitOpenLinks, data.unitOverdueLinks]);

    make("chart-trend", axes(data.trendLabels, false, [
      { name: data.names.new, type: "line", data: data.trendNew },
      { name: data.names.closed, type: "line", data: data.trendClosed },
      { name: data.names.carried, type: "line", data: data.trendCarried },
      { name: data.names.overdue, type: "line", data: data.trendOverdue, itemStyle: { color: "#b42318" } },
    ]));

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
