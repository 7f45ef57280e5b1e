// Dashboard charts: each time-series widget draws the last day of its keys for each of its devices with Chart.js
// (Debian's libjs-chart.js, served at /static/lib/chart.min.js), from the same downsampled history the device page
// reads (/devices/{id}/series.json, which checks access and logs views of sensitive keys). Without JavaScript the
// widget shows the latest values and links to each device's page.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var colours = ["#0b5fab", "#b3261e", "#1e7b34", "#8a4baf", "#b86e00", "#00727a"];
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function label(ms) {
    var d = new Date(ms);
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }
  Array.prototype.forEach.call(document.querySelectorAll(".dash-chart"), function (box) {
    var canvas = box.querySelector("canvas");
    var status = box.querySelector(".dash-chart-status");
    var keys = (box.getAttribute("data-keys") || "").split(",").filter(function (k) { return k; });
    var devices = Array.prototype.map.call(box.querySelectorAll("[data-device]"), function (e) {
      return { id: e.getAttribute("data-device"), name: e.getAttribute("data-name") };
    });
    if (!canvas || keys.length === 0 || devices.length === 0) { return; }
    var requests = devices.map(function (device) {
      var url = "/devices/" + encodeURIComponent(device.id) + "/series.json?range=day&keys=" + encodeURIComponent(keys.join(","));
      return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
        .then(function (answer) { return { device: device, answer: answer }; });
    });
    Promise.all(requests).then(function (answers) {
      var datasets = [];
      var points = 0;
      answers.forEach(function (a) {
        keys.forEach(function (key) {
          var data = (a.answer.series[key] || []).map(function (p) { return { x: p[0], y: p[1] }; });
          points += data.length;
          var colour = colours[datasets.length % colours.length];
          datasets.push({ label: a.device.name + " · " + key, data: data, borderColor: colour, backgroundColor: colour,
                          pointRadius: data.length <= 60 ? 3 : 0, borderWidth: 2 });
        });
      });
      box.hidden = false;
      status.textContent = (points === 1 ? "1 point" : points + " points") + " over the last day";
      new Chart(canvas, {
        type: "line",
        data: { datasets: datasets },
        options: {
          animation: false, maintainAspectRatio: false, parsing: false,
          scales: { x: { type: "linear", min: answers[0].answer.start, max: answers[0].answer.end,
                         ticks: { maxTicksLimit: 6, callback: function (v) { return label(v); } } } },
          plugins: { tooltip: { callbacks: { title: function (items) { return items.length ? label(items[0].parsed.x) : ""; } } } }
        }
      });
    }).catch(function (e) {
      box.hidden = false;
      status.textContent = "Could not load the chart (" + e.message + "); the latest values are below.";
    });
  });
})();
