// Sealdrop upload page: recipients, resumable chunked uploads, options, send.
// Chunks of 8 MiB go to PUT /upload/api/files/{id}?offset=N; after a dropped connection the upload asks
// the server where the file stands and continues there. The session and the files' ids are kept in
// localStorage, so after a reload the same files (chosen again) continue instead of starting over.
"use strict";
(function () {
  var app = document.getElementById("upload-app");
  if (!app) { return; }
  var CHUNK = 8 * 1024 * 1024;
  var STORE = "sealdrop-upload:" + document.getElementById("sender-email").textContent;
  var csrf = app.getAttribute("data-csrf");
  var de = document.documentElement.lang === "de";
  var T = de ? {
    waiting: "wartet", uploading: "wird hochgeladen", done: "fertig", paused: "Verbindung unterbrochen – wird fortgesetzt",
    cancel: "Abbrechen", failed: "Fehler", left: "noch", chooseAgain: "Bitte diese Datei erneut auswählen, um fortzusetzen",
    copied: "Kopiert", ok: "erfüllt"
  } : {
    waiting: "waiting", uploading: "uploading", done: "done", paused: "connection lost – resuming",
    cancel: "Cancel", failed: "Error", left: "left", chooseAgain: "Choose this file again to continue",
    copied: "Copied", ok: "met"
  };
  var state = load() || { trackingId: null, files: {} };
  var items = [];          // {key, file, fileId, size, received, complete, el, xhr}
  var running = false;
  var speed = 0, lastTick = 0, lastBytes = 0;

  function $(id) { return document.getElementById(id); }
  function load() { try { return JSON.parse(localStorage.getItem(STORE)); } catch (e) { return null; } }
  function save() { localStorage.setItem(STORE, JSON.stringify(state)); }
  function showError(text) { var e = $("app-error"); e.textContent = text || ""; e.hidden = !text; }
  function list(id) { return $(id).value.split(/[,;\s]+/).filter(function (s) { return s.length > 0; }); }
  function size(n) {
    var u = ["bytes", "KB", "MB", "GB", "TB"], i = 0;
    while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    var s = i === 0 ? String(n) : n.toFixed(1);
    return (de ? s.replace(".", ",") : s) + " " + u[i];
  }
  function duration(s) {
    if (!isFinite(s) || s < 0) { return ""; }
    var m = Math.floor(s / 60), r = Math.round(s % 60);
    return m > 0 ? m + " min " + r + " s" : r + " s";
  }

  function api(method, path, body, raw) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, path);
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      if (body !== undefined && !raw) { xhr.setRequestHeader("Content-Type", "application/json"); }
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText || "{}"); } catch (e) { data = {}; }
        resolve({ status: xhr.status, data: data });
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.send(body === undefined ? null : (raw ? body : JSON.stringify(body)));
    });
  }

  // ---- Cc / Bcc: closed behind "Add Cc" / "Add Bcc" unless prefilled; the sender's choice is kept in the
  // show_cc / show_bcc cookies, which the server reads to render the field open next time.
  function remember(name, open) {
    document.cookie = name + "=" + (open ? "true" : "false") + "; Path=/; Max-Age=31536000; Secure; SameSite=Strict";
  }
  function showField(button, open) {
    $(button.getAttribute("aria-controls")).hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = button.getAttribute(open ? "data-remove" : "data-add");
  }
  ["toggle-cc", "toggle-bcc"].forEach(function (id) {
    var button = $(id);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      var input = $(button.getAttribute("data-field"));
      // A removed field takes its addresses with it: nothing hidden is ever sent.
      if (!open) { input.value = ""; }
      showField(button, open);
      remember(button.getAttribute("data-cookie"), open);
      if (open) { input.focus(); }
    });
  });

  // The policy rules' limits for these recipients: the total size, the latest date, a sentence saying both.
  function applyLimits(d) {
    if (!d || !d.maxDate) { return; }
    var date = $("expiration");
    date.max = d.maxDate;
    if (date.value > d.maxDate) { date.value = d.maxDate; }
    $("effective-limits").textContent = d.limits;
    $("effective-limits").hidden = false;
  }

  function lockRecipients(locked) {
    ["to", "cc", "bcc"].forEach(function (id) { $(id).readOnly = locked; });
    $("rcpt-toggles").hidden = locked;
    $("continue").hidden = locked;
    $("start-over").hidden = !locked;
    ["step-files", "step-message", "step-options"].forEach(function (id) { $(id).hidden = !locked; });
  }

  $("continue").addEventListener("click", function () {
    showError("");
    api("POST", "/upload/api/session", { to: list("to"), cc: list("cc"), bcc: list("bcc") }).then(function (r) {
      if (r.status !== 201) { showError(r.data.message); return; }
      state = { trackingId: r.data.trackingId, files: {} };
      save();
      applyLimits(r.data);
      lockRecipients(true);
      $("file-input").focus();
    }, function () { showError(de ? "Keine Verbindung zum Server." : "No connection to the server."); });
  });

  $("start-over").addEventListener("click", function () {
    items.forEach(function (it) { if (it.xhr) { it.xhr.abort(); } });
    items = [];
    $("upload-list").textContent = "";
    state = { trackingId: null, files: {} };
    save();
    lockRecipients(false);
    updateTotal();
  });

  // ---- files
  function keyOf(f) { return f.name + "|" + f.size + "|" + f.lastModified; }

  function addRow(it) {
    var li = document.createElement("li");
    var row = document.createElement("div");
    row.className = "row";
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = it.name + " (" + size(it.size) + ")";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary";
    cancel.textContent = T.cancel;
    cancel.setAttribute("aria-label", T.cancel + ": " + it.name);
    cancel.addEventListener("click", function () { remove(it); });
    row.appendChild(name);
    row.appendChild(cancel);
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", it.name);
    var status = document.createElement("span");
    status.className = "muted status-text";
    li.appendChild(row);
    li.appendChild(bar);
    li.appendChild(status);
    li.setAttribute("data-name", it.name);
    $("upload-list").appendChild(li);
    it.el = { li: li, bar: bar, status: status };
    render(it);
  }

  function render(it) {
    var pct = it.size > 0 ? Math.floor(100 * it.received / it.size) : (it.complete ? 100 : 0);
    it.el.bar.value = it.complete ? 100 : pct;
    it.el.status.textContent = it.complete ? T.done : (it.error ? T.failed + ": " + it.error : (it.needsFile ? T.chooseAgain :
      (it.paused ? T.paused : (it.active ? T.uploading + " " + pct + " %" : T.waiting))));
    it.el.li.setAttribute("data-state", it.complete ? "done" : (it.error ? "error" : "pending"));
    updateTotal();
  }

  function updateTotal() {
    var total = 0, got = 0;
    items.forEach(function (it) { total += it.size; got += it.complete ? it.size : it.received; });
    $("total").hidden = items.length === 0;
    $("total-progress").value = total > 0 ? Math.floor(100 * got / total) : 0;
    var now = Date.now();
    if (now - lastTick > 1000) {
      if (lastTick > 0) { var rate = (got - lastBytes) * 1000 / (now - lastTick); speed = speed ? 0.7 * speed + 0.3 * rate : rate; }
      lastTick = now;
      lastBytes = got;
    }
    var text = size(got) + " / " + size(total);
    if (speed > 0 && got < total) { text += " · " + size(speed) + "/s · " + duration((total - got) / speed) + " " + T.left; }
    $("total-text").textContent = text;
    var ready = items.length > 0 && items.every(function (it) { return it.complete; });
    $("send").disabled = !ready;
  }

  function addFiles(files) {
    if (!state.trackingId) { return; }
    Array.prototype.forEach.call(files, function (f) {
      var key = keyOf(f);
      var known = items.filter(function (it) { return it.key === key; })[0];
      if (known) {
        if (known.needsFile) { known.file = f; known.needsFile = false; render(known); }
        return;
      }
      var it = { key: key, file: f, name: f.name, size: f.size, fileId: state.files[key] || null, received: 0, complete: false };
      items.push(it);
      addRow(it);
    });
    pump();
  }

  $("file-input").addEventListener("change", function (e) { addFiles(e.target.files); e.target.value = ""; });
  var zone = $("dropzone");
  zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) { e.preventDefault(); zone.classList.remove("over"); addFiles(e.dataTransfer.files); });

  function remove(it) {
    if (it.xhr) { it.xhr.abort(); }
    items = items.filter(function (x) { return x !== it; });
    it.el.li.remove();
    delete state.files[it.key];
    save();
    if (it.fileId) { api("DELETE", "/upload/api/files/" + it.fileId + "?trackingId=" + state.trackingId); }
    updateTotal();
  }

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function pump() {
    if (running) { return; }
    var next = items.filter(function (it) { return !it.complete && !it.error && !it.needsFile && it.file; })[0];
    if (!next) { return; }
    running = true;
    upload(next).then(function () { running = false; pump(); }, function () { running = false; pump(); });
  }

  function upload(it) {
    it.active = true;
    var attempt = 0;
    function register() {
      if (it.fileId) { return Promise.resolve(); }
      return api("POST", "/upload/api/files", { trackingId: state.trackingId, name: it.name, size: it.size }).then(function (r) {
        if (r.status !== 201) { throw { fatal: r.data.message || String(r.status) }; }
        it.fileId = r.data.fileId;
        state.files[it.key] = it.fileId;
        save();
      });
    }
    function where() {
      return api("GET", "/upload/api/files/" + it.fileId + "?trackingId=" + state.trackingId).then(function (r) {
        if (r.status === 404) { it.fileId = null; delete state.files[it.key]; save(); it.received = 0; return register(); }
        if (r.status !== 200) { throw { fatal: r.data.message || String(r.status) }; }
        it.received = r.data.received;
        it.complete = r.data.complete;
      });
    }
    function sendChunk() {
      if (it.complete) { return Promise.resolve(); }
      var end = Math.min(it.size, it.received + CHUNK);
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        it.xhr = xhr;
        var base = it.received;
        xhr.open("PUT", "/upload/api/files/" + it.fileId + "?trackingId=" + state.trackingId + "&offset=" + base);
        xhr.setRequestHeader("X-CSRF-Token", csrf);
        xhr.setRequestHeader("Content-Type", "application/octet-stream");
        xhr.upload.onprogress = function (e) { it.el.bar.value = Math.floor(100 * (base + e.loaded) / Math.max(1, it.size)); };
        xhr.onload = function () {
          var data = {};
          try { data = JSON.parse(xhr.responseText || "{}"); } catch (e) { data = {}; }
          if (xhr.status === 200) { it.received = data.received; it.complete = data.complete; attempt = 0; it.paused = false; render(it); resolve(); }
          else if (xhr.status === 409) { it.received = data.received; render(it); resolve(); }
          else { reject({ fatal: data.message || String(xhr.status) }); }
        };
        xhr.onerror = function () { reject({ network: true }); };
        xhr.onabort = function () { reject({ aborted: true }); };
        xhr.send(it.file.slice(base, end));
      }).then(function () { return it.complete ? undefined : sendChunk(); });
    }
    function run() {
      return register().then(where).then(function () { render(it); return sendChunk(); }).catch(function (e) {
        if (e && e.aborted) { return; }
        if (e && e.fatal) { it.error = e.fatal; render(it); return; }
        // Network trouble: wait (longer each time, at most 10 s), then ask where the file stands.
        it.paused = true;
        render(it);
        attempt++;
        return wait(Math.min(10000, 500 * Math.pow(2, attempt))).then(run);
      });
    }
    return run().then(function () { it.active = false; it.xhr = null; render(it); });
  }

  // ---- options
  function mode() { var m = document.querySelector("input[name=password-mode]:checked"); return m ? m.value : "GENERATED"; }
  function showMode() {
    var m = mode();
    $("generated-box").hidden = m !== "GENERATED";
    $("manual-box").hidden = m !== "MANUAL";
    $("none-hint").hidden = m !== "NONE";
    if (m === "GENERATED" && !$("generated-password").value) {
      api("GET", "/upload/api/password").then(function (r) { if (r.status === 200) { $("generated-password").value = r.data.password; } });
    }
  }
  document.querySelectorAll("input[name=password-mode]").forEach(function (r) { r.addEventListener("change", showMode); });
  $("copy-password").addEventListener("click", function () {
    var field = $("generated-password");
    field.select();
    var done = function () { $("copy-password").textContent = T.copied; };
    if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); }); }
    else { document.execCommand("copy"); done(); }
  });
  var checkTimer = null;
  $("manual-password").addEventListener("input", function () {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(function () {
      api("POST", "/upload/api/password", { password: $("manual-password").value }).then(function (r) {
        var ul = $("password-rules");
        ul.textContent = "";
        (r.data.failed || []).forEach(function (f) { var li = document.createElement("li"); li.textContent = f.text; ul.appendChild(li); });
        if (r.data.ok) { var li = document.createElement("li"); li.className = "ok"; li.textContent = "✓ " + T.ok; ul.appendChild(li); }
      });
    }, 250);
  });

  $("send").addEventListener("click", function () {
    showError("");
    var m = mode();
    var body = {
      trackingId: state.trackingId, passwordMode: m,
      password: m === "GENERATED" ? $("generated-password").value : (m === "MANUAL" ? $("manual-password").value : ""),
      expirationDate: $("expiration").value, sendDownloadNotifications: $("notify-downloads").checked
    };
    if ($("subject")) { body.subject = $("subject").value; body.message = $("message").value; }
    if ($("confidential")) { body.confidentialMessage = $("confidential").value; }
    if ($("show-file-names")) { body.showFileNames = $("show-file-names").checked; }
    $("send").disabled = true;
    api("POST", "/upload/api/send", body).then(function (r) {
      if (r.status !== 200) { showError(r.data.message); $("send").disabled = false; return; }
      localStorage.removeItem(STORE);
      window.location.assign(r.data.done);
    }, function () { showError(de ? "Keine Verbindung zum Server." : "No connection to the server."); $("send").disabled = false; });
  });

  // ---- resume after a reload
  showMode();
  if (state.trackingId) {
    api("GET", "/upload/api/session?trackingId=" + state.trackingId).then(function (r) {
      if (r.status !== 200) { state = { trackingId: null, files: {} }; save(); return; }
      $("to").value = r.data.to.join(", "); $("cc").value = r.data.cc.join(", "); $("bcc").value = r.data.bcc.join(", ");
      if (r.data.cc.length > 0) { showField($("toggle-cc"), true); }
      if (r.data.bcc.length > 0) { showField($("toggle-bcc"), true); }
      lockRecipients(true);
      var byId = {};
      Object.keys(state.files).forEach(function (k) { byId[state.files[k]] = k; });
      r.data.files.forEach(function (f) {
        if (f.name === "message.eml" && !byId[f.fileId]) { return; }
        var it = { key: byId[f.fileId] || f.fileId, file: null, name: f.name, size: f.size, fileId: f.fileId,
                   received: f.received, complete: f.complete, needsFile: !f.complete };
        items.push(it);
        addRow(it);
      });
    });
  }
})();
