// Steward console: a device's track on a map (Leaflet from Debian's libjs-leaflet). Tiles come only from the server
// the operator configured (STEWARD_MAP_TILES); without one the track is drawn on a plain background, so no map
// service learns where the person's device has been.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box) { return; }
  var note = document.getElementById("map-nojs");
  if (typeof L === "undefined") {
    box.hidden = true;
    if (note) { note.textContent = "The map library is missing on this server (install Debian's libjs-leaflet)."; }
    return;
  }
  if (note) { note.hidden = true; }
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function fullTime(ms) {
    var d = new Date(ms);
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear() + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }
  var tiles = box.getAttribute("data-tiles");
  var map = L.map(box, { attributionControl: !!tiles, zoomControl: true });
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
  } else {
    box.classList.add("map-plain");
  }
  fetch("/devices/" + box.getAttribute("data-device") + "/track.json?range=week", { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("the server answered " + r.status); } return r.json(); })
    .then(function (answer) {
      var points = answer.points || [];
      if (points.length === 0) {
        map.setView([0, 0], 1);
        if (note) { note.hidden = false; note.textContent = "No positions in the last week."; }
        return;
      }
      var line = points.map(function (p) { return [p[1], p[2]]; });
      L.polyline(line, { color: "#0b5fab", weight: 3 }).addTo(map);
      points.forEach(function (p, i) {
        var last = i === points.length - 1;
        L.circleMarker([p[1], p[2]], { radius: last ? 7 : 3, color: last ? "#a3161c" : "#0b5fab", fillOpacity: 0.9 })
          .bindTooltip((last ? "Latest: " : "") + fullTime(p[0]) + " (" + p[1].toFixed(5) + ", " + p[2].toFixed(5) + ")")
          .addTo(map);
      });
      if (line.length === 1) { map.setView(line[0], 15); } else { map.fitBounds(line, { padding: [24, 24], maxZoom: 17 }); }
    })
    .catch(function (e) { if (note) { note.hidden = false; note.textContent = "Could not load the track: " + e.message; } });
})();
