#pragma once
// The page --trace-html writes (see trace_html.hpp), kept as one readable
// HTML file in a raw string. render_trace_html puts the run's title where
// @TITLE@ is and the recorded events (a JSON array) where @EVENTS@ is.
//
// The script replays the events from the first one to the chosen step, the
// way the loop lived them: it is the bookkeeping of common/timeline.cpp
// (--trace), in JavaScript. Step 0 is before the first event; step k shows
// the state right after event k.

#include <string_view>

namespace evo {

inline constexpr std::string_view trace_html_page = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@TITLE@</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.2em; margin: 0 0 .6em; }
  .controls { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
  .controls button { font-size: 1em; padding: .2em .8em; }
  #scrub { flex: 1; min-width: 12em; }
  /* The timeline: one tick per event, coloured by what happened. */
  #ticks { display: flex; height: 18px; margin: .5em 0 1em; cursor: pointer; }
  #ticks span { flex: 1; margin-right: 1px; background: #ddd; }
  #ticks span.run { background: #4a8; }
  #ticks span.timer_fired, #ticks span.fd_ready { background: #d93; }
  #ticks span.log { background: #69c; }
  #ticks span.blocked { background: #c44; }
  #ticks span.current { outline: 2px solid #000; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16em, 1fr)); gap: 1em; }
  section { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: .6em .9em; }
  section h2 { font-size: .8em; text-transform: uppercase; color: #666; margin: 0 0 .4em; }
  #clock { font: bold 2em monospace; }
  #running { font-weight: bold; }
  ol, ul { margin: 0; padding-left: 1.4em; font-family: monospace; }
  #printed li:last-child.new { background: #ffe9a8; }
  #now { font-family: monospace; }
  .empty { color: #999; list-style: none; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div class="controls">
  <button id="back" title="back one step (left arrow)">&#9664; back</button>
  <button id="play" title="play / pause (space)">play</button>
  <button id="step" title="one step (right arrow)">step &#9654;</button>
  <input id="scrub" type="range" min="0" value="0" aria-label="timeline">
  <span id="stepno"></span>
</div>
<div id="ticks" title="the timeline: click an event to go there"></div>
<div class="grid">
  <section><h2>Clock</h2><div id="clock"></div></section>
  <section><h2>Running now</h2><div id="running"></div><div id="running-what"></div></section>
  <section><h2>This step</h2><div id="now"></div></section>
  <section><h2>Ready queue (runs next, front first)</h2><ol id="ready"></ol></section>
  <section><h2>Waiting (timers soonest first, then fds)</h2><ul id="waiting"></ul></section>
  <section><h2>Printed so far</h2><ol id="printed"></ol></section>
</div>
<script id="events" type="application/json">@EVENTS@</script>
<script>
"use strict";
const events = JSON.parse(document.getElementById("events").textContent);
const $ = (id) => document.getElementById(id);

// The state of the loop right after the first `step` events.
function replay(step) {
  const state = { clock: "0.000s", ready: [], waiting: new Map(), running: null, printed: [] };
  for (const e of events.slice(0, step)) {
    state.clock = e.time;
    switch (e.kind) {
      case "ready":
        state.ready.push({ id: e.id, label: e.label });
        break;
      case "run":
        // Normally the front of the queue; --shuffle may take another.
        state.ready = state.ready.filter((r) => r.id !== e.id);
        state.running = { label: e.label, id: e.id };
        break;
      case "timer_armed":
        state.waiting.set(e.id, { label: e.label, what: e.detail + " @" + e.due, due: e.due_ns });
        break;
      case "fd_watched":
        state.waiting.set(e.id, { label: e.label, what: e.detail, due: Infinity });
        break;
      case "timer_fired":
      case "fd_ready":
        // The loop fires timers and polls fds between callbacks: whatever ran
        // before has returned. (The trace has no "returned" event of its own.)
        state.running = null;
        state.waiting.delete(e.id);
        break;
      case "timer_cancelled":
      case "fd_unwatched":
        state.waiting.delete(e.id);
        break;
      case "log":
        state.printed.push(e.detail);
        break;
      case "done":
        // A label is done only once its last callback has returned.
        if (state.running && state.running.label === e.label) state.running = null;
        break;
    }
  }
  return state;
}

// What event number `step` did, in the words of --trace.
function describe(e) {
  const late = e.duration ? " (" + e.duration + " late)" : "";
  switch (e.kind) {
    case "spawn": return e.label + " spawns " + e.detail;
    case "ready": return e.label + ": callback #" + e.id + " joins the ready queue";
    case "run": return "the loop runs " + e.label + "'s callback #" + e.id;
    case "timer_armed": return e.label + " waits: " + e.detail + " " + e.duration + " (due @" + e.due + ")";
    case "timer_cancelled": return e.label + " cancels its " + e.detail;
    case "timer_fired": return e.label + ": " + e.detail + " fired" + late;
    case "fd_watched": return e.label + " waits: " + e.detail;
    case "fd_ready": return e.label + ": its fd is ready";
    case "fd_unwatched": return e.label + " stops watching " + e.detail;
    case "blocked": return e.label + " blocks the whole loop for " + e.duration;
    case "log": return e.label + " prints: " + e.detail;
    case "done": return e.label + " done: nothing ready, waiting or running";
  }
  return e.kind;
}

function fillList(list, items) {
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    li.textContent = item.text;
    if (item.title) li.title = item.title;
    list.appendChild(li);
  }
  if (items.length === 0) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "(empty)";
    list.appendChild(li);
  }
}

let current = 0;
function show(step) {
  current = Math.max(0, Math.min(events.length, step));
  const s = replay(current);
  $("clock").textContent = s.clock;
  $("running").textContent = s.running ? s.running.label : "-";
  $("running-what").textContent = s.running ? "callback #" + s.running.id : "the loop itself";
  $("now").textContent = current === 0 ? "before the loop starts" : describe(events[current - 1]);
  fillList($("ready"), s.ready.map((r) => ({ text: r.label, title: "callback #" + r.id })));
  const waiting = [...s.waiting.values()].sort((a, b) => a.due - b.due);
  fillList($("waiting"), waiting.map((w) => ({ text: w.label + " (" + w.what + ")" })));
  fillList($("printed"), s.printed.map((line) => ({ text: line })));
  const last = $("printed").lastElementChild;
  if (current > 0 && events[current - 1].kind === "log" && last) last.className = "new";
  $("stepno").textContent = "step " + current + " of " + events.length;
  $("scrub").value = current;
  const old = document.querySelector("#ticks span.current");
  if (old) old.classList.remove("current");
  if (current > 0 && ticks[current - 1]) ticks[current - 1].classList.add("current");
  history.replaceState(null, "", "#step=" + current);
}

// The timeline: one tick per event (a very long run shows the slider only).
const ticks = [];
if (events.length <= 3000) {
  events.forEach((e, i) => {
    const tick = document.createElement("span");
    tick.className = e.kind;
    tick.title = e.time + " " + describe(e);
    tick.onclick = () => show(i + 1);
    $("ticks").appendChild(tick);
    ticks.push(tick);
  });
}

let timer = null;
function play() {
  if (timer) {
    clearInterval(timer);
    timer = null;
    $("play").textContent = "play";
    return;
  }
  if (current === events.length) show(0);
  $("play").textContent = "pause";
  timer = setInterval(() => {
    show(current + 1);
    if (current === events.length) play();
  }, 500);
}

$("title").textContent = document.title;
$("scrub").max = events.length;
$("scrub").oninput = () => show(Number($("scrub").value));
$("back").onclick = () => show(current - 1);
$("step").onclick = () => show(current + 1);
$("play").onclick = play;
document.onkeydown = (k) => {
  if (k.key === "ArrowLeft") show(current - 1);
  if (k.key === "ArrowRight") show(current + 1);
  if (k.key === " ") { k.preventDefault(); play(); }
};
// page.html#step=5 (or ?step=5) opens at step 5.
const asked = /step=(\d+)/.exec(location.hash + location.search);
show(asked ? Number(asked[1]) : 0);
</script>
</body>
</html>
)html";

}  // namespace evo
