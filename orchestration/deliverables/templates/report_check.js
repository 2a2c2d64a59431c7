window.addEventListener('load', function () {
  var charts = document.querySelectorAll('figure.chart img');
  var drawn = 0;
  charts.forEach(function (img) { if (img.complete && img.naturalWidth > 0) { drawn += 1; } });
  document.body.setAttribute('data-charts-total', String(charts.length));
  document.body.setAttribute('data-charts-drawn', String(drawn));
  console.log('report ready: ' + drawn + ' of ' + charts.length + ' charts drawn');
});
