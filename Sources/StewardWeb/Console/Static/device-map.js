// Steward console: devices' tracks on a map (Leaflet from Debian's libjs-leaflet). Draws every `.map` container that
// names its devices: `data-device` (the device page: one device) or `data-devices` (a dashboard's map widget: ids
// separated by commas, with their names as a JSON list in `data-names`); `data-note` names the element for messages
// (`map-nojs` by default). Tracks come from /devices/{id}/track.json, which checks access and writes views of
// positions to the person's access log. Tiles come only from the server the operator configured (`data-tiles`, from
// STEWARD_MAP_TILES); without one the tracks are drawn on a plain background, so no map service learns where the
// person's device has been.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".map[data-device], .map[data-devices]");
  if (boxes.length === 0) { return; }
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var colours = ["#0b5fab", "#1e7b34", "#8a4baf", "#b86e00", "#00727a", "#5a5a5a"];
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function fullTime(ms) {
    var d = new Date(ms);
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear() + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }
  function track(id) {
    return fetch("/devices/" + encodeURIComponent(id) + "/track.json?range=week", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("the server answered " + r.status); } return r.json(); });
  }

  function draw(box) {
    var note = document.getElementById(box.getAttribute("data-note") || "map-nojs");
    if (typeof L === "undefined") {
      box.hidden = true;
      if (note) { note.textContent = "The map library is missing on this server (install Debian's libjs-leaflet)."; }
      return;
    }
    if (note) { note.hidden = true; }
    var ids = (box.getAttribute("data-devices") || box.getAttribute("data-device") || "").split(",").filter(function (s) { return s; });
    var names = [];
    try { names = JSON.parse(box.getAttribute("data-names") || "[]"); } catch (e) { names = []; }
    var several = ids.length > 1;
    var tiles = box.getAttribute("data-tiles");
    var map = L.map(box, { attributionControl: !!tiles, zoomControl: true });
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    } else {
      box.classList.add("map-plain");
    }
    function say(text) { if (note) { note.hidden = false; note.textContent = text; } }
    Promise.all(ids.map(function (id, n) {
      return track(id).then(function (answer) { return { n: n, points: answer.points || [] }; },
                            function (e) { return { n: n, points: [], error: e.message }; });
    })).then(function (tracks) {
      var all = [];
      var problems = [];
      tracks.forEach(function (t) {
        var name = names[t.n] || "";
        if (t.error) { problems.push(several ? name + ": could not load the track: " + t.error : "Could not load the track: " + t.error); return; }
        if (t.points.length === 0) { if (several) { problems.push(name + ": no positions in the last week"); } return; }
        var colour = colours[t.n % colours.length];
        var line = t.points.map(function (p) { return [p[1], p[2]]; });
        L.polyline(line, { color: colour, weight: 3 }).addTo(map);
        t.points.forEach(function (p, i) {
          var last = i === t.points.length - 1;
          L.circleMarker([p[1], p[2]], { radius: last ? 7 : 3, color: last ? "#a3161c" : colour, fillOpacity: 0.9 })
            .bindTooltip((several && name ? name + " · " : "") + (last ? "Latest: " : "") + fullTime(p[0]) +
                         " (" + p[1].toFixed(5) + ", " + p[2].toFixed(5) + ")")
            .addTo(map);
        });
        all = all.concat(line);
      });
      if (all.length === 0) {
        map.setView([0, 0], 1);
        say(problems.length ? problems.join("; ") : "No positions in the last week.");
        return;
      }
      if (all.length === 1) { map.setView(all[0], 15); } else { map.fitBounds(all, { padding: [24, 24], maxZoom: 17 }); }
      if (problems.length) { say(problems.join("; ")); }
    });
  }

  Array.prototype.forEach.call(boxes, draw);
})();
