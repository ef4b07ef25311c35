/* The campaign page's bar chart: data from the json_script element, no inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("campaign-chart");
    var source = document.getElementById("campaign-chart-data");
    if (!holder || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    if (!data.units.length) { holder.classList.add("d-none"); return; }
    var colours = ["#0d6efd", "#198754", "#dc3545"];
    var chart = window.echarts.init(holder);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, bottom: 70, top: 30 },
      xAxis: { type: "category", data: data.units, axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s, i) {
        return { name: s.name, type: "bar", data: s.data, itemStyle: { color: colours[i % colours.length] } };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
