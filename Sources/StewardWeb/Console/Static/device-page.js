// Steward console: a device's page, enhanced. The chart (Chart.js from Debian's libjs-chart.js, a linear x axis in
// milliseconds with round ticks and labels in the viewer's own time zone, which is named), drag-to-zoom with a reset, live updates over ThingsBoard's WebSocket API,
// and the switch and command forms sent without leaving the page. Without this script the page still shows the latest
// values and its forms post as usual.
(function () {
  "use strict";
  var page = document.getElementById("device-page");
  if (!page) { return; }
  var deviceId = page.getAttribute("data-device");
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var colors = ["#0b5fab", "#a3161c", "#1d6b2f", "#8a4b08", "#6a1b9a", "#00796b", "#c2185b", "#455a64"];

  // The chart speaks the viewer's time, and names the zone (the rest of the page says UTC).
  var zone = "local time";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || zone; } catch (e) { /* an old browser */ }
  if (zone === "Etc/UTC" || zone === "Etc/GMT") { zone = "UTC"; }
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function hm(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  function day(d) { return d.getDate() + " " + months[d.getMonth()]; }
  // "7 Dec 2026 14:05:09 (Europe/Berlin)": what people read on hover.
  function fullTime(ms) {
    var d = new Date(ms);
    return day(d) + " " + d.getFullYear() + " " + hm(d) + ":" + pad(d.getSeconds()) + (zone === "UTC" ? " UTC" : " (" + zone + ")");
  }
  // A datetime-local input's value for `ms`, in the viewer's time.
  function inputValue(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + hm(d);
  }
  // Round tick steps: whole seconds, minutes, hours or days, at most about seven on the axis, aligned to the
  // viewer's clock (17:00, 17:10… rather than 16:51, 17:03…).
  var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800]
    .map(function (s) { return s * 1000; });
  function roundTicks(min, max) {
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) { if ((max - min) / steps[i] <= 7) { step = steps[i]; break; } }
    var offset = -new Date(min).getTimezoneOffset() * 60000;
    var ticks = [];
    for (var t = Math.ceil((min + offset) / step) * step - offset; t <= max && ticks.length < 50; t += step) { ticks.push({ value: t }); }
    return ticks;
  }
  // Tick labels that fit the span shown: times within a day, dates with times within a week, dates beyond.
  function tickLabel(ms, span) {
    var d = new Date(ms);
    if (span <= 36 * 3600 * 1000) { return hm(d); }
    if (span <= 8 * 24 * 3600 * 1000) { return day(d) + " " + hm(d); }
    return day(d);
  }
  function csrfToken() {
    var input = page.querySelector("input[name=csrf]");
    return input ? input.value : "";
  }
  function postForm(url, fields) {
    var body = new URLSearchParams();
    body.set("csrf", csrfToken());
    Object.keys(fields).forEach(function (k) { if (fields[k] !== null) { body.set(k, fields[k]); } });
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (r) {
      if (!r.ok && r.headers.get("Content-Type").indexOf("json") < 0) { throw new Error("The server answered " + r.status); }
      return r.json();
    });
  }

  // ---- Chart -------------------------------------------------------------------------------------------------
  var app = document.getElementById("chart-app");
  var status = document.getElementById("chart-status");
  var nojs = document.getElementById("chart-nojs");
  var chart = null;
  var view = null; // {start, end, zoomed}
  var liveKeys = {};
  if (app) {
    app.hidden = false;
    if (nojs) { nojs.hidden = true; }
  }
  function say(text) { if (status) { status.textContent = text; } }
  function chosenKeys() {
    return Array.prototype.map.call(app.querySelectorAll("input[name=key]:checked"), function (i) { return i.value; });
  }
  function chosenRange() {
    var r = app.querySelector("input[name=range]:checked");
    return r ? r.value : "hour";
  }
  // A datetime-local value is the viewer's own time ("2026-12-07T17:05" without a zone parses as local).
  function parseLocal(text) {
    if (!text) { return NaN; }
    return new Date(text).getTime();
  }
  // The chosen keys and range live in the address (?keys=…&range=…&from=…&to=…), so a reload or a shared link
  // shows the same chart; from/to are ISO times in UTC.
  function remember() {
    var params = new URLSearchParams();
    params.set("keys", chosenKeys().join(","));
    var range = chosenRange();
    params.set("range", range);
    if (range === "custom") {
      var from = parseLocal(document.getElementById("range-from").value);
      var to = parseLocal(document.getElementById("range-to").value);
      if (!isNaN(from)) { params.set("from", new Date(from).toISOString()); }
      if (!isNaN(to)) { params.set("to", new Date(to).toISOString()); }
    }
    history.replaceState(null, "", location.pathname + "?" + params.toString() + location.hash);
  }
  function restore() {
    var params = new URLSearchParams(location.search);
    if (params.get("keys") !== null) {
      var wanted = params.get("keys").split(",");
      Array.prototype.forEach.call(app.querySelectorAll("input[name=key]"), function (box) {
        box.checked = wanted.indexOf(box.value) >= 0;
      });
    }
    var range = params.get("range");
    var radio = range ? app.querySelector("input[name=range][value='" + range.replace(/[^a-z]/g, "") + "']") : null;
    if (radio) { radio.checked = true; }
    if (range === "custom") {
      var from = Date.parse(params.get("from") || ""), to = Date.parse(params.get("to") || "");
      if (!isNaN(from)) { document.getElementById("range-from").value = inputValue(from); }
      if (!isNaN(to)) { document.getElementById("range-to").value = inputValue(to); }
      document.getElementById("custom-range").hidden = false;
    }
  }
  function load(zoom) {
    if (!app || typeof Chart === "undefined") { return; }
    var keys = chosenKeys();
    if (keys.length === 0) {
      if (!app.querySelector("input[name=key]")) {
        // Nothing to draw yet: no empty box, a sentence instead.
        app.querySelector(".chart-box").hidden = true;
        // (the zoom controls go; the live note in the same line stays)
        Array.prototype.forEach.call(document.querySelectorAll("#chart-controls .chart-buttons > :not(#chart-live)"),
          function (node) { node.hidden = true; });
        say("The chart appears once the device has reported a number (reload then).");
        return;
      }
      say("Choose a key to chart."); if (chart) { chart.data.datasets = []; chart.update(); } return;
    }
    var url = "/devices/" + deviceId + "/series.json?keys=" + encodeURIComponent(keys.join(","));
    var range = chosenRange();
    if (zoom) {
      url += "&start=" + Math.floor(zoom.start) + "&end=" + Math.ceil(zoom.end);
    } else if (range === "custom") {
      var from = parseLocal(document.getElementById("range-from").value);
      var to = parseLocal(document.getElementById("range-to").value);
      if (isNaN(from) || isNaN(to)) { say("Give both the start and the end of the range."); return; }
      if (to <= from) { say("The end of the range must be after its start."); return; }
      url += "&start=" + from + "&end=" + to;
    } else {
      url += "&range=" + range;
    }
    say("Loading…");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("the server answered " + r.status); }
        return r.json();
      })
      .then(function (answer) {
        var bucket = answer.interval >= 60000 ? Math.round(answer.interval / 60000) + " min" : Math.round(answer.interval / 1000) + " s";
        view = {
          start: answer.start, end: answer.end, zoomed: !!zoom, live: !zoom && range !== "custom", bucket: bucket,
          count: keys.reduce(function (n, k) { return n + (answer.series[k] || []).length; }, 0)
        };
        draw(keys, answer);
        caption();
        document.getElementById("zoom-reset").disabled = !zoom;
      })
      .catch(function (e) { say("Could not load the chart: " + e.message + ". Reload the page to try again."); });
  }
  // "N points, averaged per …": live points count too (they are added one by one, not averaged).
  function caption() {
    if (!view) { return; }
    var n = view.count;
    say(n === 0 ? "No readings in this range." : n + (n === 1 ? " point" : " points") + ", averaged per " + view.bucket + ", " +
      fullTime(view.start) + " to " + fullTime(view.end) + ".");
  }
  // Where "Zoom in" goes: to the readings, never into an empty stretch. When the readings shown fill less than half of
  // the axis, the axis fits them; otherwise the newer half of their span is shown. Nothing shown: the newer half.
  function zoomTarget(min, max) {
    var xs = [];
    chart.data.datasets.forEach(function (set) {
      set.data.forEach(function (p) { if (p.x >= min && p.x <= max) { xs.push(p.x); } });
    });
    if (xs.length === 0) { return { start: max - (max - min) / 2, end: max }; }
    var first = Math.min.apply(null, xs), last = Math.max.apply(null, xs), span = last - first;
    var start, end;
    if (span < (max - min) / 2) {
      var pad = Math.max(span * 0.05, 1000);
      start = first - pad; end = last + pad;
      if (end - start > (max - min) / 2) { start = end - (max - min) / 2; }
    } else {
      start = last - span / 2; end = last + Math.max(span * 0.02, 1000);
    }
    return { start: Math.max(min, start), end: Math.min(max, end) };
  }
  function draw(keys, answer) {
    var datasets = keys.map(function (key, i) {
      return {
        label: key, borderColor: colors[i % colors.length], backgroundColor: colors[i % colors.length],
        borderWidth: 2, pointHitRadius: 6, tension: 0, spanGaps: true, clip: 6,
        // Few points show as dots (a single reading would otherwise be invisible); many as a plain line.
        pointRadius: function (context) { return context.dataset.data.length <= 60 ? 3 : 0; },
        data: (answer.series[key] || []).map(function (p) { return { x: p[0], y: p[1] }; })
      };
    });
    if (chart) {
      chart.data.datasets = datasets;
      chart.options.scales.x.min = answer.start;
      chart.options.scales.x.max = answer.end;
      chart.update("none");
      return;
    }
    chart = new Chart(document.getElementById("chart"), {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
        layout: { padding: { right: 10 } }, // the newest reading sits on the right edge: room for its dot
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: {
          x: {
            type: "linear", min: answer.start, max: answer.end,
            afterBuildTicks: function (axis) { axis.ticks = roundTicks(axis.min, axis.max); },
            ticks: {
              autoSkip: false, maxRotation: 0,
              callback: function (value) { return tickLabel(value, chart ? chart.scales.x.max - chart.scales.x.min : answer.end - answer.start); }
            }
          },
          y: { ticks: { maxTicksLimit: 6 } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { title: function (items) { return items.length ? fullTime(items[0].parsed.x) : ""; } } }
        }
      }
    });
    enableZoom();
  }
  // Drag across the chart to zoom into that span; the server downsamples the narrower range afresh.
  function enableZoom() {
    var canvas = document.getElementById("chart");
    var box = canvas.parentNode;
    var band = document.createElement("div");
    band.className = "zoom-band";
    band.hidden = true;
    box.appendChild(band);
    var startX = null;
    function x(event) { return event.clientX - canvas.getBoundingClientRect().left; }
    canvas.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) { return; }
      startX = x(e);
      band.hidden = false;
      band.style.left = startX + "px";
      band.style.width = "0px";
    });
    canvas.addEventListener("pointermove", function (e) {
      if (startX === null) { return; }
      var now = x(e);
      band.style.left = Math.min(startX, now) + "px";
      band.style.width = Math.abs(now - startX) + "px";
    });
    function finish(e) {
      if (startX === null) { return; }
      var end = x(e);
      var from = Math.min(startX, end), to = Math.max(startX, end);
      startX = null;
      band.hidden = true;
      if (to - from < 8) { return; }
      var scale = chart.scales.x;
      load({ start: Math.max(scale.min, scale.getValueForPixel(from)), end: Math.min(scale.max, scale.getValueForPixel(to)) });
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointerleave", function (e) { if (startX !== null) { finish(e); } });
  }
  if (app) {
    if (typeof Chart === "undefined") {
      document.getElementById("chart-controls").hidden = true;
      app.querySelector(".chart-box").hidden = true;
      say("The chart library is missing on this server (install Debian's libjs-chart.js). The latest values above still update.");
    } else {
      var zoneLabel = document.getElementById("range-zone");
      if (zoneLabel) { zoneLabel.textContent = "Times are yours: " + zone + "."; }
      restore();
      load(null);
    }
    app.addEventListener("change", function (e) {
      var custom = document.getElementById("custom-range");
      if (custom) { custom.hidden = chosenRange() !== "custom"; }
      if (chosenRange() === "custom" && e.target.name === "range") {
        // Start from what the chart shows (the last hour at first), in the viewer's time, ready to adjust.
        var from = document.getElementById("range-from"), to = document.getElementById("range-to");
        var end = view && !view.zoomed ? Math.min(view.end, Date.now()) : Date.now();
        if (!from.value) { from.value = inputValue(view && !view.zoomed ? view.start : end - 3600000); }
        if (!to.value) { to.value = inputValue(end + 60000); }
      }
      remember();
      load(null);
    });
    document.getElementById("zoom-reset").addEventListener("click", function () { load(null); });
    // The keyboard's way to zoom: towards the readings (zoomTarget).
    document.getElementById("zoom-in").addEventListener("click", function () {
      if (!chart) { return; }
      var min = chart.scales.x.min, max = chart.scales.x.max;
      if (max - min < 4000) { say("This is as close as the chart goes."); return; }
      load(zoomTarget(min, max));
    });
  }

  // ---- Live updates (ThingsBoard's WebSocket API, with the console's session) -------------------------------
  function showLatest(key, ts, value) {
    var table = document.getElementById("latest-values");
    if (!table) {
      var none = document.getElementById("no-readings");
      if (!none) { return; }
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.innerHTML = '<table id="latest-values" class="device-table"><thead><tr><th>Key</th><th>Value</th><th>Time</th><th>Data category</th></tr></thead><tbody></tbody></table>';
      none.parentNode.replaceChild(wrap, none);
      table = document.getElementById("latest-values");
    }
    var row = null;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) { if (r.getAttribute("data-key") === key) { row = r; } });
    if (!row) {
      row = table.tBodies[0].insertRow(-1);
      row.setAttribute("data-key", key);
      ["Key", "Value", "Time", "Data category"].forEach(function (label) { row.insertCell(-1).setAttribute("data-label", label); });
      var code = document.createElement("code");
      code.textContent = key;
      row.cells[0].appendChild(code);
      row.cells[1].className = "value";
      row.cells[3].textContent = "reload to see";
    }
    row.cells[1].textContent = value;
    row.setAttribute("data-ts", String(ts));
    var time = document.createElement("time");
    time.setAttribute("datetime", new Date(ts).toISOString());
    time.title = fullTime(ts);
    time.textContent = "just now";
    row.cells[2].textContent = "";
    row.cells[2].appendChild(time);
    row.classList.add("updated");
    setTimeout(function () { row.classList.remove("updated"); }, 1500);
    heard(ts);
  }

  // ---- The Active/Inactive badge, kept live ------------------------------------------------------------------
  // A live reading makes the device Active; when its profile's inactivity timeout passes without one, the server is
  // asked again (activity.json), which also sees a session that opened or closed meanwhile (and is asked every
  // minute for that reason: connects are not pushed to the page).
  var badge = document.getElementById("device-state");
  var timeoutMs = Number(page.getAttribute("data-timeout") || "600") * 1000;
  var connected = page.getAttribute("data-connected") === "true";
  // The server's clock, as far as this page can tell: readings' times are the server's, not the browser's.
  var serverNow = Number(page.getAttribute("data-now"));
  var skew = serverNow > 0 ? serverNow - Date.now() : 0;
  var lastTs = page.getAttribute("data-last") ? Number(page.getAttribute("data-last")) : null;
  var badgeTimer = null;
  function setBadge(active) {
    if (!badge) { return; }
    badge.textContent = active ? "Active" : "Inactive";
    badge.className = "badge " + (active ? "badge-active" : "badge-inactive");
  }
  function showLastActivity(ts, words) {
    var holder = document.getElementById("last-activity");
    if (!holder || ts === null) { return; }
    var time = document.createElement("time");
    time.setAttribute("datetime", new Date(ts).toISOString());
    time.title = fullTime(ts);
    time.textContent = words;
    holder.textContent = "";
    holder.appendChild(time);
  }
  // "just now" stays true only for a moment: the recheck says how long ago, as the server's pages do.
  function ago(ms) {
    var seconds = Math.round(ms / 1000);
    if (seconds < 2) { return "just now"; }
    if (seconds < 60) { return seconds + " seconds ago"; }
    var minutes = Math.round(seconds / 60);
    if (minutes < 60) { return minutes === 1 ? "1 minute ago" : minutes + " minutes ago"; }
    var hours = Math.round(minutes / 60);
    if (hours < 24) { return hours === 1 ? "1 hour ago" : hours + " hours ago"; }
    return fullTime(Date.now() + skew - ms);
  }
  function scheduleBadge() {
    if (badgeTimer) { clearTimeout(badgeTimer); }
    var wait = 60000;
    if (lastTs !== null && !connected) {
      wait = Math.min(wait, Math.max(1000, lastTs + timeoutMs - (Date.now() + skew) + 500));
    }
    badgeTimer = setTimeout(recheckBadge, wait);
  }
  function recheckBadge() {
    fetch("/devices/" + deviceId + "/activity.json", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (a) {
        connected = a.connected;
        skew = a.now - Date.now();
        if (typeof a.inactivityTimeout === "number") { timeoutMs = a.inactivityTimeout * 1000; }
        if (typeof a.lastActivityTime === "number" && (lastTs === null || a.lastActivityTime > lastTs)) { lastTs = a.lastActivityTime; }
        setBadge(a.active);
        if (lastTs !== null) { showLastActivity(lastTs, ago(a.now - lastTs)); }
        scheduleBadge();
      })
      .catch(function () { badgeTimer = setTimeout(recheckBadge, 60000); });
  }
  function heard(ts) {
    if (lastTs === null || ts > lastTs) { lastTs = ts; }
    setBadge(true);
    showLastActivity(ts, "just now");
    scheduleBadge();
  }
  if (badge) { scheduleBadge(); }
  function plotLive(key, ts, value) {
    if (!chart || !view || !view.live) { return; }
    var number = Number(value);
    if (value === "" || isNaN(number)) { return; }
    var set = null;
    chart.data.datasets.forEach(function (d) { if (d.label === key) { set = d; } });
    if (!set) { return; }
    var span = view.end - view.start;
    view.end = Math.max(view.end, ts);
    view.start = view.end - span;
    set.data.push({ x: ts, y: number });
    view.count += 1;
    chart.options.scales.x.min = view.start;
    chart.options.scales.x.max = view.end;
    chart.update("none");
    caption();
  }
  function connectLive() {
    if (!("WebSocket" in window)) { return; }
    var live = document.getElementById("chart-live");
    var socket;
    try {
      socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/api/ws/plugins/telemetry");
    } catch (e) { return; }
    socket.onopen = function () {
      socket.send(JSON.stringify({
        tsSubCmds: [{ entityType: "DEVICE", entityId: deviceId, scope: "LATEST_TELEMETRY", cmdId: 1 }],
        historyCmds: [], attrSubCmds: []
      }));
    };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.errorCode && message.errorCode !== 0) {
        if (live) { live.textContent = "Live updates unavailable: " + (message.errorMsg || "error " + message.errorCode); }
        return;
      }
      // "·" separates the note from the zoom controls; alone on its line (no numeric key yet) it needs none.
      if (live) { live.textContent = (document.getElementById("zoom-in").hidden ? "" : "· ") + "Live: new readings appear as they arrive."; }
      var data = message.data || {};
      Object.keys(data).forEach(function (key) {
        (data[key] || []).forEach(function (point) {
          if (liveKeys[key] !== undefined && liveKeys[key] >= point[0]) { return; }
          liveKeys[key] = point[0];
          showLatest(key, point[0], point[1]);
          plotLive(key, point[0], point[1]);
        });
      });
    };
    socket.onclose = function () { if (live) { live.textContent = "Live updates stopped; reload to see new readings."; } };
  }
  // The first answer repeats what the page already shows; remember it so only newer readings count as updates.
  Array.prototype.forEach.call(document.querySelectorAll("#latest-values tbody tr"), function (row) {
    var ts = Number(row.getAttribute("data-ts"));
    if (!isNaN(ts)) { liveKeys[row.getAttribute("data-key")] = ts; }
  });
  connectLive();

  // ---- Copy buttons for the access token and the connection examples --------------------------------------------
  // Without JavaScript (or a clipboard) the text stays selectable; the button only saves selecting it by hand.
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function copyText(node) {
    var text = node.textContent;
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    return new Promise(function (resolve, reject) {
      selectText(node);
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      if (done) { resolve(); } else { reject(new Error("no clipboard")); }
    });
  }
  function addCopyButton(node, where, what) {
    if (!node || !where) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy-button";
    button.id = "copy-" + node.id;
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + what);
    var note = document.createElement("span");
    note.className = "hint copy-note";
    note.setAttribute("role", "status");
    button.addEventListener("click", function () {
      copyText(node).then(function () { note.textContent = "Copied."; },
        function () { selectText(node); note.textContent = "Selected: press Ctrl+C (⌘C) to copy."; });
    });
    where.appendChild(document.createTextNode(" "));
    where.appendChild(button);
    where.appendChild(document.createTextNode(" "));
    where.appendChild(note);
  }
  var token = document.getElementById("access-token");
  if (token) { addCopyButton(token, token.parentNode, "the access token"); }
  [["example-mqtt", "the mosquitto_pub example"], ["example-curl", "the curl example"], ["example-python", "the Python example"]]
    .forEach(function (pair) {
      var example = document.getElementById(pair[0]);
      if (example) { addCopyButton(example, example.previousElementSibling, pair[1]); }
    });

  // ---- Switch and commands ---------------------------------------------------------------------------------
  var switchState = document.getElementById("switch-state");
  var switchForm = document.getElementById("switch-form");
  function showSwitch(answer) {
    if (!switchState) { return; }
    if (answer.ok && typeof answer.state === "boolean") {
      switchState.textContent = "The device says: " + (answer.state ? "on" : "off") + ".";
      document.getElementById("switch-on").setAttribute("aria-pressed", answer.state ? "true" : "false");
      document.getElementById("switch-off").setAttribute("aria-pressed", answer.state ? "false" : "true");
    } else {
      switchState.textContent = answer.message + (answer.reply ? " Answer: " + answer.reply : "");
    }
  }
  function sendSwitch(value) {
    if (switchState) { switchState.textContent = value === "read" ? "Reading the state…" : "Sending…"; }
    return postForm("/devices/" + deviceId + "/switch", { value: value })
      .then(showSwitch)
      .catch(function (e) { if (switchState) { switchState.textContent = "Could not reach the server: " + e.message; } });
  }
  if (switchForm) {
    switchForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = e.submitter || document.activeElement;
      sendSwitch(button && button.value ? button.value : "read");
    });
    // ThingsBoard's switch reads the state when shown; we do so only when the device has a live session, so that
    // opening a page never queues a request for an offline device (it would reach it stale when it next connects).
    if (page.getAttribute("data-connected") === "true") { sendSwitch("read"); }
  }
  var rpcForm = document.getElementById("rpc-form");
  var rpcResult = document.getElementById("rpc-result");
  if (rpcForm && rpcResult) {
    rpcForm.addEventListener("submit", function (e) {
      e.preventDefault();
      rpcResult.innerHTML = '<div class="card"><p>Sending…</p></div>';
      postForm("/devices/" + deviceId + "/rpc", {
        method: document.getElementById("rpc-method").value,
        params: document.getElementById("rpc-params").value,
        oneway: document.getElementById("rpc-oneway").checked ? "on" : null
      }).then(function (answer) {
        var card = document.createElement("div");
        card.className = "card " + (answer.ok ? "result-ok" : "result-bad");
        var p = document.createElement("p");
        p.textContent = answer.message;
        card.appendChild(p);
        if (answer.reply !== undefined) {
          var q = document.createElement("p");
          q.textContent = "Answer: ";
          var code = document.createElement("code");
          code.id = "rpc-reply";
          code.textContent = answer.reply;
          q.appendChild(code);
          card.appendChild(q);
        }
        rpcResult.innerHTML = "";
        rpcResult.appendChild(card);
      }).catch(function (err) {
        rpcResult.innerHTML = "";
        var p = document.createElement("p");
        p.className = "flash-error";
        p.textContent = "Could not send the command: " + err.message;
        rpcResult.appendChild(p);
      });
    });
  }
})();
