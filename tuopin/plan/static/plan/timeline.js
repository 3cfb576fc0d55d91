// Scroll the Gantt chart so that today is in view (on a phone the chart is wider than the
// screen; without this the first month of the campaign is all one sees).
document.querySelectorAll(".gantt[data-today-x]").forEach(function (chart) {
  var label = chart.querySelector(".gantt-axis .gantt-label");
  var labelWidth = label ? label.offsetWidth : 0;
  var visible = chart.clientWidth - labelWidth;
  var todayX = parseFloat(chart.dataset.todayX);
  if (chart.scrollWidth > chart.clientWidth && todayX > visible / 2) {
    chart.scrollLeft = todayX - visible / 2;
  }
});
