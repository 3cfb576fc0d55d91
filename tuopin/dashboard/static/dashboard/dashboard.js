/* Dashboard charts and the village map, drawn with the vendored ECharts (no network). */
(function () {
  "use strict";
  var charts = [];
  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function isWall() { return document.body.classList.contains("wall"); }

  // Tooltip formatters return HTML: every name, label and value from the data is escaped
  // (a village may be named "<img onerror=…>"), with ECharts' own encoder.
  function text(value) { return window.echarts.format.encodeHTML(String(value)); }

  function tooltipLine(name, label, v) {
    var shown = v === null || v === undefined || (typeof v === "number" && isNaN(v)) ? "无数据" : v;
    return text(name) + "<br>" + text(label) + "：" + text(shown);
  }

  function drawTrends(root) {
    root.querySelectorAll("[data-trend]").forEach(function (node) {
      var data = readJSON(node.getAttribute("data-trend"));
      if (!data || !window.echarts) { return; }
      var ink = isWall() ? "#e8eef5" : "#1f2933";
      var chart = echarts.init(node, null, { renderer: "canvas" });
      chart.setOption({
        animation: false,
        textStyle: { fontFamily: FONT, color: ink },
        grid: { left: 48, right: 16, top: 24, bottom: 32 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "无数据" : v + data.unit; } },
        xAxis: { type: "category", data: data.labels, axisLabel: { color: ink } },
        yAxis: { type: "value", name: data.unit, axisLabel: { color: ink }, nameTextStyle: { color: ink } },
        series: [{ type: "line", data: data.values, connectNulls: false, symbolSize: 7, label: { show: data.labels.length <= 12, color: ink },
                   lineStyle: { width: 3, color: "#c0392b" }, itemStyle: { color: "#c0392b" } }]
      });
      charts.push(chart);
    });
  }

  function drawMap() {
    var node = document.getElementById("village-map");
    if (!node || !window.echarts) { return; }
    var points = readJSON("map-points") || [];
    var boundaries = readJSON("map-boundaries");
    var label = node.getAttribute("data-metric-label");
    var values = points.map(function (p) { return p.value[2]; }).filter(function (v) { return v !== null; });
    var max = values.length ? Math.max.apply(null, values) : 1;
    var chart = echarts.init(node, null, { renderer: "canvas" });
    var option = {
      animation: false,
      textStyle: { fontFamily: FONT },
      tooltip: { trigger: "item", formatter: function (p) {
        return tooltipLine(p.name, label, p.value && p.value.length ? p.value[2] : p.value);
      } },
      visualMap: node.getAttribute("data-kind") === "flag"
        ? { type: "piecewise", dimension: 2, seriesIndex: 0, orient: "horizontal", left: "center", bottom: 4,
            pieces: [{ value: 1, label: label + "：是", color: "#c0392b" }, { value: 0, label: label + "：否", color: "#4e9a51" }] }
        : { min: 0, max: max || 1, dimension: 2, seriesIndex: 0, calculable: true, orient: "horizontal",
            left: "center", bottom: 4, text: ["高", "低"], inRange: { color: ["#4e9a51", "#f2c14e", "#c0392b"] },
            outOfRange: { color: "#b8c1cc" } },
      series: []
    };
    var scatter = { type: "scatter", name: label, data: points, symbolSize: 12,
                    label: { show: points.length <= 40, formatter: "{b}", position: "right", fontSize: 11 },
                    emphasis: { label: { show: true } } };
    if (boundaries) {
      // Outlines coloured by the metric (series 0, what the visual map drives), points on top.
      echarts.registerMap("tuopin-boundaries", boundaries);
      option.geo = { map: "tuopin-boundaries", roam: true, layoutCenter: ["50%", "46%"], layoutSize: "88%",
                     itemStyle: { areaColor: "#eef1f4", borderColor: "#8a97a5" },
                     emphasis: { itemStyle: { areaColor: "#dbe4ee" }, label: { show: false } }, label: { show: false } };
      var byCode = {};
      points.forEach(function (p) { byCode[p.code] = p; });
      option.series.push({ type: "map", geoIndex: 0, name: label,
        data: boundaries.features.map(function (f) {
          var p = byCode[f.properties.name];
          return { name: f.properties.name, value: p ? p.value[2] : null, label: f.properties.label, url: p ? p.url : "" };
        }) });
      delete option.visualMap.dimension;
      option.tooltip.formatter = function (p) {
        var v = p.value && p.value.length ? p.value[2] : p.value;
        return tooltipLine((p.data && p.data.label) || p.name, label, v);
      };
      scatter.coordinateSystem = "geo";
      scatter.symbolSize = 6;
      scatter.itemStyle = { color: "#1f2933" };
      scatter.label.show = false;
    } else {
      option.grid = { left: 56, right: 56, top: 32, bottom: 84 };
      option.xAxis = { type: "value", scale: true, name: "经度", axisLabel: { formatter: "{value}°" } };
      option.yAxis = { type: "value", scale: true, name: "纬度", axisLabel: { formatter: "{value}°" } };
      option.dataZoom = [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }];
    }
    option.series.push(scatter);
    chart.setOption(option);
    chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
    charts.push(chart);
    node.setAttribute("data-ready", "1");
  }

  function drawAll(root) {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    drawTrends(root || document);
    drawMap();
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function () { drawAll(document); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
