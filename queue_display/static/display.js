/* Queue display for the office TV: live state over Server-Sent Events, reconnection with a full resync,
 * Indonesian date and clock (WIB), and a voice queue that plays calls one after the other, in order.
 *
 * For tests and the benchmark the page keeps window.display = {connects, states, paints, voiceLog}:
 * paints[i] = {version, number, recv, at}: epoch milliseconds when the state arrived and right after the frame
 * that showed it;
 * voiceLog[i] = {id, number, counter, words, start, end, error?}.
 */
(function () {
  "use strict";

  var HARI = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];
  var BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
               "Oktober", "November", "Desember"];
  var WIB_OFFSET_MS = 7 * 3600 * 1000;
  var MAX_ANNOUNCE_AGE_S = 120;   // a call missed while disconnected is still spoken if this recent
  var WATCHDOG_MS = 25000;        // no message (state or ping) for this long: reconnect
  var GAP_MS = 400;               // silence between two spoken calls
  var MAX_PLAY_MS = 30000;        // a call that never reports its end stops blocking the queue

  var params = new URLSearchParams(location.search);
  var voiceOn = params.get("suara") !== "0";
  var display = window.display = { connects: 0, states: 0, paints: [], voiceLog: [], version: null };
  var clockOffset = 0;
  var lastAnnounced = null;
  var source = null;
  var lastMessageAt = Date.now();
  var retryMs = 1000;
  var reconnectTimer = null;
  var lastCurrentId = null;

  function $(id) { return document.getElementById(id); }
  function now() { return performance.timeOrigin + performance.now(); }
  function text(el, value) { if (el.textContent !== value) el.textContent = value; }

  // --- date and clock (WIB, whatever the TV's own time zone) --------------------------------------------
  function tick() {
    var wib = new Date(Date.now() + clockOffset + WIB_OFFSET_MS);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    text($("date"), HARI[wib.getUTCDay()] + ", " + wib.getUTCDate() + " " + BULAN[wib.getUTCMonth()] + " " +
         wib.getUTCFullYear());
    text($("clock"), pad(wib.getUTCHours()) + "." + pad(wib.getUTCMinutes()) + "." + pad(wib.getUTCSeconds()));
  }

  // --- rendering -------------------------------------------------------------------------------------------
  // The voice says "loket N", so the screen does too; a counter's own name ("Perekaman") comes with it.
  function counterLabel(call) { return "Loket " + call.counter; }
  function counterTitle(number, name) {
    var plain = "Loket " + number;
    return !name || name === plain ? plain : plain + " \u00b7 " + name;
  }

  function renderPanels(panels) {
    var box = $("counters");
    var layout = panels.map(function (p) { return p.number; }).join(",");
    if (box.dataset.layout !== layout) {   // counters added or removed: rebuild; otherwise update in place
      box.innerHTML = panels.map(function () {
        return '<div class="panel"><div class="name"></div><div class="ticket"></div><div class="state"></div></div>';
      }).join("");
      box.dataset.layout = layout;
    }
    panels.forEach(function (p, i) {
      var el = box.children[i];
      var cls = "panel " + (p.status || "IDLE");
      if (el.className !== cls) el.className = cls;
      el.dataset.counter = p.number;
      text(el.querySelector(".name"), counterTitle(p.number, p.name));
      text(el.querySelector(".ticket"), p.ticket || "-");
      text(el.querySelector(".state"), p.status_label);
    });
  }

  function renderRecent(calls) {
    var list = $("recent");
    while (list.children.length > calls.length) list.removeChild(list.lastChild);
    calls.forEach(function (c, i) {
      var li = list.children[i];
      if (!li) {
        li = document.createElement("li");
        li.innerHTML = '<span class="num"></span><span class="ctr"></span>';
        list.appendChild(li);
      }
      text(li.querySelector(".num"), c.number);
      text(li.querySelector(".ctr"), counterLabel(c));
    });
  }

  // Three on/off blinks of a new number: opacity only (the number has its own layer, so no repaint), hard steps
  // (six visible changes, not a 60 fps fade), restarted without forcing a layout when calls follow quickly.
  var BLINK = [{ opacity: 1 }, { opacity: 1, offset: 0.5 }, { opacity: 0.15, offset: 0.5 }, { opacity: 0.15 }];
  var blinking = null;
  function blink(el) {
    if (blinking) blinking.cancel();
    blinking = el.animate ? el.animate(BLINK, { duration: 600, iterations: 3 }) : null;
  }

  function render(state, receivedAt) {
    display.states += 1;
    display.version = state.version;
    clockOffset = Date.parse(state.server_time) - Date.now();
    var cur = state.current;
    text($("current-number"), cur ? cur.number : "---");
    text($("current-counter"), cur ? counterLabel(cur).toUpperCase() : "\u00a0");
    var named = cur && cur.counter_name && cur.counter_name !== counterLabel(cur);
    text($("current-service"), cur ? cur.service_name + (named ? " \u00b7 " + cur.counter_name : "") : "\u00a0");
    if (cur && lastCurrentId !== null && cur.id !== lastCurrentId) blink($("current-number"));
    lastCurrentId = cur ? cur.id : null;
    renderRecent(state.recent);
    renderPanels(state.counters);
    var running = $("running-text");
    text(running, state.running_text || "\u00a0");
    running.classList.toggle("empty", !state.running_text);
    tick();
    var mark = { version: state.version, number: cur ? cur.number : null, recv: receivedAt };
    requestAnimationFrame(function () {
      setTimeout(function () {
        mark.at = now();
        display.paints.push(mark);
        if (display.paints.length > 1000) display.paints.splice(0, 500);
      }, 0);
    });
    announceNew(state);
  }

  // --- voice queue: one <audio>, one call at a time, in order ----------------------------------------------
  var voiceQueue = [];
  var speaking = false;
  var player = $("voice");

  function announceNew(state) {
    var calls = (state.calls || []).slice().sort(function (a, b) { return a.id - b.id; });
    var newest = calls.length ? calls[calls.length - 1].id : 0;
    if (lastAnnounced === null) { lastAnnounced = newest; return; }   // first state: history is not spoken
    var serverNow = Date.parse(state.server_time);
    calls.forEach(function (c) {
      if (c.id > lastAnnounced && (serverNow - Date.parse(c.at)) / 1000 <= MAX_ANNOUNCE_AGE_S) {
        voiceQueue.push(c);
      }
    });
    lastAnnounced = Math.max(lastAnnounced, newest);
    pump();
  }

  function play(url) {
    return new Promise(function (resolve, reject) {
      var done = false;
      var finish = function (err) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        player.onended = player.onerror = null;
        if (err) reject(err); else resolve();
      };
      var timer = setTimeout(function () { player.pause(); finish(); }, MAX_PLAY_MS);
      player.onended = function () { finish(); };
      player.onerror = function () { finish(new Error("audio tidak dapat diputar")); };
      player.src = url;
      var started = player.play();
      if (started && started.catch) started.catch(function (e) { finish(e); });
    });
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  async function pump() {
    if (speaking) return;
    speaking = true;
    while (voiceQueue.length) {
      var call = voiceQueue.shift();
      var entry = { id: call.id, number: call.number, counter: call.counter, words: call.words, start: now() };
      display.voiceLog.push(entry);
      if (voiceOn) {
        try {
          await play(call.audio);
        } catch (e) {
          entry.error = String(e && e.name || e);
          if (e && e.name === "NotAllowedError") $("sound-gate").hidden = false;
        }
      }
      entry.end = now();
      await sleep(GAP_MS);
    }
    speaking = false;
  }

  $("sound-button").addEventListener("click", function () {
    $("sound-gate").hidden = true;
    player.play().catch(function () {});
    pump();
  });

  // --- connection: EventSource, our own reconnection with backoff, watchdog --------------------------------
  function setOnline(on) {
    var el = $("connection");
    el.className = "connection " + (on ? "online" : "offline");
    text(el, on ? "Terhubung" : "Menyambung ulang\u2026");
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    var wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10000);
    reconnectTimer = setTimeout(function () { reconnectTimer = null; connect(); }, wait);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource("/display/events");
    source.onopen = function () { display.connects += 1; lastMessageAt = Date.now(); setOnline(true); };
    source.addEventListener("state", function (e) {
      lastMessageAt = Date.now();
      retryMs = 1000;
      setOnline(true);
      render(JSON.parse(e.data), now());
    });
    source.addEventListener("ping", function () { lastMessageAt = Date.now(); });
    source.onerror = function () {
      setOnline(false);
      if (source.readyState === EventSource.CLOSED) scheduleReconnect();
    };
  }

  setInterval(function () {
    tick();
    if (Date.now() - lastMessageAt > WATCHDOG_MS) { lastMessageAt = Date.now(); connect(); }
  }, 1000);
  tick();
  connect();
})();
