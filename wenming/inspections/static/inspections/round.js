// The phone round page (inspections/round_form.html). The page works without this file (a plain
// multipart POST); this adds what a phone on a weak network needs:
//   - a −/+ stepper beside each count, the person's name beside a staff number, a findings total;
//   - the draft (counts, notes, responsible, unannounced, round note) kept in localStorage under
//     the round's client token, photos kept as Blobs in IndexedDB, so nothing is lost when the
//     page is closed or the network fails; a draft of the same plan and department is offered
//     back when the page opens again ("continue" / "discard");
//   - a camera photo (2–5 MB) shrunk on the phone before it is kept and sent (longer side at most
//     2048 px, JPEG), so it goes through slow ward Wi-Fi;
//   - submitting with fetch(FormData) and Accept: application/json. A network error or a 5xx keeps
//     everything and offers a retry (also done automatically when the phone is back online). The
//     server answers a second submission of the same token with the round already stored, so a
//     retry never makes two rounds. On success the draft is removed and the summary page opens.
// Every sentence shown comes translated from the template's data-msg-* attributes.
(function () {
  "use strict";
  var form = document.getElementById("round-form");
  if (!form) return;
  var msg = form.dataset;
  var tokenInput = form.elements.client_token;
  var planId = form.elements.plan.value;
  var departmentId = form.elements.department.value;
  var INDEX = "wm-round-drafts";
  var MAX_PHOTOS = 10;
  var statusBox = document.getElementById("round-status");
  var restoreBox = document.getElementById("round-restore");
  var sending = false;
  var failed = false;

  if (!tokenInput.value) tokenInput.value = newToken();

  function newToken() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function token() { return tokenInput.value; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function rows() { return Array.prototype.slice.call(form.querySelectorAll(".wm-f[data-code]")); }
  function field(code, part) { return form.elements["f-" + code + "-" + part]; }

  // --- Local storage of the draft -------------------------------------------------------------
  function readIndex() {
    try { return JSON.parse(localStorage.getItem(INDEX) || "{}") || {}; } catch (e) { return {}; }
  }
  function writeIndex(index) {
    try { localStorage.setItem(INDEX, JSON.stringify(index)); } catch (e) { /* storage full or off */ }
  }
  function collect() {
    var findings = {};
    rows().forEach(function (row) {
      var code = row.dataset.code;
      var count = field(code, "count").value;
      var note = field(code, "note").value;
      var who = field(code, "responsible");
      var entry = { count: count, note: note, responsible: who ? who.value : "" };
      if ((count && count !== "0") || note || entry.responsible) findings[code] = entry;
    });
    return {
      plan: planId, department: departmentId, saved: Date.now(),
      unannounced: form.elements.unannounced.checked, note: form.elements.note.value,
      started_at: form.elements.started_at.value, findings: findings
    };
  }
  function saveDraft() {
    if (sent) return;
    try { localStorage.setItem("wm-round:" + token(), JSON.stringify(collect())); } catch (e) { return; }
    var index = readIndex();
    index[token()] = { plan: planId, department: departmentId, saved: Date.now() };
    writeIndex(index);
  }
  var saveTimer = null;
  var sent = false;
  function saveSoon() { clearTimeout(saveTimer); saveTimer = setTimeout(saveDraft, 300); }
  function dropDraft(key) {
    try { localStorage.removeItem("wm-round:" + key); } catch (e) { /* ignore */ }
    var index = readIndex();
    delete index[key];
    writeIndex(index);
    return photos.dropAll(key);
  }
  function applyDraft(draft) {
    form.elements.unannounced.checked = !!draft.unannounced;
    form.elements.note.value = draft.note || "";
    if (draft.started_at) form.elements.started_at.value = draft.started_at;
    Object.keys(draft.findings || {}).forEach(function (code) {
      var entry = draft.findings[code];
      if (!field(code, "count")) return;
      field(code, "count").value = entry.count || "0";
      field(code, "note").value = entry.note || "";
      if (field(code, "responsible")) field(code, "responsible").value = entry.responsible || "";
    });
    rows().forEach(refreshRow);
    refreshTotal();
  }

  // --- Photos in IndexedDB ----------------------------------------------------------------------
  var photos = (function () {
    var opened = null;
    function db() {
      if (!opened) {
        opened = new Promise(function (resolve, reject) {
          if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
          var request = indexedDB.open("wm-inspections", 1);
          request.onupgradeneeded = function () { request.result.createObjectStore("photos"); };
          request.onsuccess = function () { resolve(request.result); };
          request.onerror = function () { reject(request.error); };
        });
      }
      return opened;
    }
    function run(mode, work) {
      return db().then(function (database) {
        return new Promise(function (resolve, reject) {
          var tx = database.transaction("photos", mode);
          var result = work(tx.objectStore("photos"));
          tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
          tx.onerror = function () { reject(tx.error); };
        });
      });
    }
    function key(tok, code) { return tok + "|" + code; }
    return {
      available: function () { return db().then(function () { return true; }, function () { return false; }); },
      get: function (tok, code) {
        return run("readonly", function (store) { return store.get(key(tok, code)); }).then(function (v) { return v || []; });
      },
      put: function (tok, code, list) {
        return run("readwrite", function (store) { list.length ? store.put(list, key(tok, code)) : store.delete(key(tok, code)); });
      },
      dropAll: function (tok) {
        return run("readwrite", function (store) { store.delete(IDBKeyRange.bound(tok + "|", tok + "|\uffff")); })
          .catch(function () {});
      }
    };
  })();
  var photosStored = false;
  var keeping = Promise.resolve();  // photos being shrunk and kept, one choice after the other

  // --- Shrinking a photo before it is kept ------------------------------------------------------
  // Decoded with the EXIF rotation applied, scaled so the longer side is at most PHOTO_SIDE (never
  // up), drawn on a canvas and encoded as JPEG. The canvas output has no EXIF (the server strips
  // metadata anyway). The original file is kept when it is already small, when the browser cannot
  // decode it (the server must still see a non-image and refuse it) or when anything fails.
  var PHOTO_SIDE = 2048;
  var PHOTO_SMALL_BYTES = 1.5 * 1024 * 1024;
  var PHOTO_QUALITY = 0.85;
  function jpegOf(bitmap, width, height) {
    function paint(context) {
      context.fillStyle = "#fff";  // a transparent PNG gets a white background, not a black one
      context.fillRect(0, 0, width, height);
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, width, height);
    }
    var offscreen = window.OffscreenCanvas ? new OffscreenCanvas(width, height) : null;
    var context = offscreen && offscreen.convertToBlob ? offscreen.getContext("2d") : null;
    if (context) {
      paint(context);
      return offscreen.convertToBlob({ type: "image/jpeg", quality: PHOTO_QUALITY });
    }
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    paint(canvas.getContext("2d"));
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", PHOTO_QUALITY); });
  }
  function shrinkPhoto(file) {
    var bitmap = null;
    return Promise.resolve().then(function () {
      return createImageBitmap(file, { imageOrientation: "from-image" });
    }).then(function (decoded) {
      bitmap = decoded;
      var scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size <= PHOTO_SMALL_BYTES) return file;
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      return jpegOf(bitmap, width, height).then(function (blob) {
        if (!blob || !blob.size || blob.size >= file.size) return file;  // no gain: the original
        var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
      });
    }).catch(function () {
      return file;  // not an image this browser decodes, or no createImageBitmap/canvas/File
    }).then(function (result) {
      if (bitmap && bitmap.close) bitmap.close();
      return result;
    });
  }

  function showPhotoCount(row, count) {
    var box = row.querySelector(".wm-photos");
    if (!box) {
      box = document.createElement("div");
      box.className = "wm-photos";
      var input = field(row.dataset.code, "photos");
      input.parentNode.insertBefore(box, input.nextSibling);
    }
    box.textContent = "";
    box.hidden = !count;
    if (!count) return;
    var text = document.createElement("span");
    text.textContent = fill(msg.msgPhotos, { n: count });
    var clear = document.createElement("button");
    clear.type = "button";
    clear.className = "btn btn-sm btn-outline-secondary";
    clear.textContent = msg.msgClear;
    clear.addEventListener("click", function () {
      photos.put(token(), row.dataset.code, []).then(function () { showPhotoCount(row, 0); });
    });
    box.appendChild(text);
    box.appendChild(clear);
  }
  function keepPhotos(row, input) {
    if (!photosStored || !input.files.length) return;
    var code = row.dataset.code;
    var chosen = Array.prototype.slice.call(input.files);
    // Queued after any earlier choice (one list per finding); submit() waits for the queue.
    var shrunk = [];
    keeping = keeping.then(function () {
      // One photo at a time: a decoded camera photo takes tens of MB of the phone's memory.
      return chosen.slice(0, MAX_PHOTOS).reduce(function (done, file) {
        return done.then(function () { return shrinkPhoto(file); }).then(function (small) { shrunk.push(small); });
      }, Promise.resolve());
    }).then(function () {
      return photos.get(token(), code).then(function (list) {
        shrunk.forEach(function (file) {
          if (list.length < MAX_PHOTOS) list.push({ name: file.name || "photo.jpg", type: file.type, blob: file });
        });
        return photos.put(token(), code, list).then(function () {
          input.value = "";  // kept on the phone; sent from there
          showPhotoCount(row, list.length);
          saveDraft();
        });
      });
    }).catch(function () { /* leave the files in the input: they are sent from there */ });
  }
  function loadPhotoCounts() {
    if (!photosStored) return Promise.resolve();
    return Promise.all(rows().map(function (row) {
      return photos.get(token(), row.dataset.code).then(function (list) { showPhotoCount(row, list.length); });
    }));
  }

  // --- The page's controls ----------------------------------------------------------------------
  function staffName(number) {
    var option = document.querySelector('#round-staff option[value="' + (window.CSS && CSS.escape ? CSS.escape(number) : number) + '"]');
    return option ? option.textContent : "";
  }
  function refreshRow(row) {
    var count = parseInt(field(row.dataset.code, "count").value, 10) || 0;
    row.classList.toggle("wm-f-on", count > 0);
    if (count > 0) row.querySelector("details").open = true;
    var who = field(row.dataset.code, "responsible");
    if (who) {
      var label = row.querySelector(".wm-who");
      if (!label) {
        label = document.createElement("div");
        label.className = "wm-who";
        who.parentNode.insertBefore(label, who.nextSibling);
      }
      label.textContent = staffName(who.value.trim().split(/\s+/)[0]);
    }
  }
  function refreshTotal() {
    var found = rows().filter(function (row) { return (parseInt(field(row.dataset.code, "count").value, 10) || 0) > 0; });
    var total = form.querySelector("[data-total]");
    total.textContent = found.length ? fill(msg.msgCount, { n: found.length }) : msg.msgNone;
  }
  function stepper(row) {
    var input = field(row.dataset.code, "count");
    var box = document.createElement("div");
    box.className = "wm-step";
    function button(step, text, label) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-outline-secondary";
      b.textContent = text;
      b.setAttribute("aria-label", label);
      b.addEventListener("click", function () {
        var value = Math.max(0, (parseInt(input.value, 10) || 0) + step);
        input.value = String(value);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      });
      return b;
    }
    input.parentNode.insertBefore(box, input);
    box.appendChild(button(-1, "\u2212", msg.msgLess));
    box.appendChild(input);
    box.appendChild(button(1, "+", msg.msgMore));
  }

  function showStatus(text, kind, retry) {
    statusBox.hidden = !text;
    statusBox.className = "alert alert-" + (kind || "info");
    statusBox.querySelector("[data-status-text]").textContent = text || "";
    statusBox.querySelector("[data-retry]").hidden = !retry;
    if (text) statusBox.scrollIntoView({ block: "nearest" });
  }
  function showErrors(data) {
    var first = null;
    rows().forEach(function (row) {
      var messages = (data.errors || {})[row.dataset.code] || [];
      row.classList.toggle("wm-f-err", messages.length > 0);
      row.querySelector("[data-error-for]").textContent = messages.join(" ");
      if (messages.length) {
        row.querySelector("details").open = true;
        first = first || row;
      }
    });
    var top = (data.messages || []).join(" ");
    showStatus(top ? msg.msgInvalid + " " + top : msg.msgInvalid, "danger", false);
    if (first) first.scrollIntoView({ block: "center" });
  }

  // --- Submitting -------------------------------------------------------------------------------
  function body() {
    return keeping.then(function () {  // photos still being shrunk and kept are sent too
      var data = new FormData(form);
      var work = rows().map(function (row) {
        var name = "f-" + row.dataset.code + "-photos";
        if (!photosStored) return Promise.resolve();
        return photos.get(token(), row.dataset.code).then(function (list) {
          if (!list.length) return;
          data.delete(name);
          list.forEach(function (photo) { data.append(name, photo.blob, photo.name); });
        });
      });
      return Promise.all(work).then(function () { return data; });
    });
  }
  function submit() {
    if (sending) return;
    sending = true;
    saveDraft();
    var button = form.querySelector("[type=submit]");
    button.disabled = true;
    showStatus(msg.msgSending, "info", false);
    body().then(function (data) {
      return fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
      });
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (response.ok && json) {
        return response.json().then(function (data) {
          if (!data.ok) throw new Error("unexpected answer");
          failed = false;
          // Sent: a save still waiting (typed less than 300 ms ago) must not bring the draft back.
          sent = true;
          clearTimeout(saveTimer);
          return dropDraft(token()).then(function () { window.location.assign(data.url); });
        });
      }
      if (response.status === 400 && json) {
        failed = false;
        return response.json().then(showErrors);
      }
      if (response.status >= 500) {
        failed = true;
        showStatus(msg.msgServer, "warning", true);
        return;
      }
      failed = false;
      showStatus(msg.msgRefused + " (" + response.status + ")", "danger", true);
    }).catch(function () {
      failed = true;
      showStatus(msg.msgOffline, "warning", true);
    }).then(function () {
      sending = false;
      button.disabled = false;
    });
  }

  // --- Start --------------------------------------------------------------------------------------
  rows().forEach(function (row) {
    stepper(row);
    refreshRow(row);
    var input = field(row.dataset.code, "photos");
    input.addEventListener("change", function () { keepPhotos(row, input); });
  });
  refreshTotal();
  form.addEventListener("input", function (event) {
    var row = event.target.closest(".wm-f");
    if (row) refreshRow(row);
    refreshTotal();
    saveSoon();
  });
  form.addEventListener("change", saveSoon);
  form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
  statusBox.querySelector("[data-retry]").addEventListener("click", submit);
  window.addEventListener("online", function () { if (failed) submit(); });

  photos.available().then(function (ok) {
    photosStored = ok;
    // A draft of this plan and department left on the phone (another token): offer it back.
    var index = readIndex();
    var previous = Object.keys(index).filter(function (key) {
      var entry = index[key];
      return key !== token() && entry.plan === planId && entry.department === departmentId;
    }).sort(function (a, b) { return index[b].saved - index[a].saved; })[0];
    if (!previous) return loadPhotoCounts();
    var draft = null;
    try { draft = JSON.parse(localStorage.getItem("wm-round:" + previous)); } catch (e) { draft = null; }
    if (!draft) { dropDraft(previous); return loadPhotoCounts(); }
    restoreBox.querySelector("[data-restore-when]").textContent =
      fill(msg.msgSaved, { time: new Date(draft.saved).toLocaleString() });
    restoreBox.hidden = false;
    restoreBox.querySelector('[data-restore="continue"]').addEventListener("click", function () {
      var abandoned = token();
      tokenInput.value = previous;  // the same token: if it had reached the server, no second round
      if (abandoned !== previous) dropDraft(abandoned);
      applyDraft(draft);
      restoreBox.hidden = true;
      loadPhotoCounts();
    });
    restoreBox.querySelector('[data-restore="discard"]').addEventListener("click", function () {
      dropDraft(previous);
      restoreBox.hidden = true;
    });
  });
})();
