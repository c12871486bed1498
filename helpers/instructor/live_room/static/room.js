// The live room's instructor page: the state once, then server-sent events; nothing else is fetched.
// Every text that came from a learner (names, messages) is set with textContent or an attribute,
// never parsed as HTML.
"use strict";

const STATUS_MARK = { correct: "✓", incorrect: "✗", error: "!", unattempted: "·" };
const room = {
  config: { stuck_after: 3, stuck_minutes: 10 },
  learners: new Map(),   // id -> name
  exercises: [],         // [{episode, exercise}] in the course's order
  cells: new Map(),      // "learner|episode|exercise" -> cell (as the server folds it)
  setups: new Map(),     // learner id -> their latest set-up check run (doctor --room), with its number of runs
  needs: {},             // episode -> the resources its full profile needs (which episodes a cache runs offline)
  results: 0,
  skew: 0,               // server clock - this browser's clock, in seconds
  started: null,
  timelineOf: null,      // the learner whose timeline is open
};

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function svg(tag, attributes) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
  return node;
}
const key = (learner, episode, exercise) => `${learner}|${episode}|${exercise}`;
const now = () => Date.now() / 1000 + room.skew;
const shortEpisode = (episode) => episode.split("-")[0];
const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

function isStuck(cell) {
  if (!cell || cell.status === "correct") return false;
  if (cell.incorrect > room.config.stuck_after) return true;
  return cell.tried !== null && now() - cell.tried >= room.config.stuck_minutes * 60;
}

function learnersSorted() {
  // [id, shown name]: two learners who chose the same name are told apart by the end of their ids.
  const counts = new Map();
  for (const name of room.learners.values()) counts.set(name, (counts.get(name) || 0) + 1);
  return [...room.learners.entries()]
    .map(([id, name]) => [id, counts.get(name) > 1 ? `${name} (${id.slice(-4)})` : name])
    .sort((a, b) => a[1].localeCompare(b[1], undefined, { sensitivity: "base" }) || a[0].localeCompare(b[0]));
}

function addExercise(episode, exercise) {
  if (!room.exercises.some((e) => e.episode === episode && e.exercise === exercise)) {
    room.exercises.push({ episode, exercise });
    return true;
  }
  return false;
}

function cellTitle(name, exercise, cell) {
  if (!cell) return `${name}: ${exercise}: no check yet`;
  const stuck = isStuck(cell) ? " (stuck)" : "";
  return `${name}: ${exercise}: ${cell.status}${stuck}, ${cell.attempts} check(s), ${cell.incorrect} incorrect, last at ${clock(cell.last)}\n${cell.message}`;
}

function offline(cached) {
  return Object.entries(room.needs).filter(([, wanted]) => wanted.every((name) => cached.includes(name))).map(([episode]) => episode);
}

function setupTitle(name, setup) {
  if (!setup) return `${name}: no set-up check yet (python -m helpers doctor --room <join URL>)`;
  const verdict = setup.ready ? "ready" : `not ready: ${setup.problem}`;
  const versions = `${setup.os} · Python ${setup.python} · TensorFlow ${setup.tensorflow || "does not import"} · Keras ${setup.keras || "does not import"}`;
  const runs = `${setup.runs} run${setup.runs === 1 ? "" : "s"}, the last at ${clock(setup.received)}`;
  const episodes = offline(setup.cached);
  return `${name}: set-up ${verdict}\n${versions}\n${runs}\ncached: ${setup.cached.join(", ") || "nothing"}` +
    (Object.keys(room.needs).length ? `\nfull profile offline: ${episodes.map(shortEpisode).join(", ") || "none"}` : "");
}

function paintSetup(td, name, setup) {
  td.className = "setup " + (!setup ? "none" : setup.ready ? "ready" : "not-ready");
  td.textContent = !setup ? "" : setup.ready ? "✓" : "✗";
  td.setAttribute("title", setupTitle(name, setup));
}

function renderReady() {
  const total = room.learners.size;
  const ready = [...room.learners.keys()].filter((id) => room.setups.get(id)?.ready).length;
  const ran = [...room.learners.keys()].filter((id) => room.setups.has(id)).length;
  document.getElementById("ready").textContent = `${ready} of ${total} ready`;
  document.getElementById("ready").setAttribute("title", `${ready} ready, ${ran - ready} not ready, ${total - ran} never ran the set-up check`);
}

function renderGrid() {
  const table = document.getElementById("grid");
  const learners = learnersSorted();
  document.getElementById("empty").hidden = learners.length > 0;
  const head = el("tr", {}, el("th", { class: "name" }, "learner"),
                  el("th", { class: "setup-head", title: "set-up check: python -m helpers doctor --room <join URL>" },
                     el("span", { class: "episode" }, "before"), "set-up"));
  for (const { episode, exercise } of room.exercises) {
    head.append(el("th", { title: `${episode} / ${exercise}` }, el("span", { class: "episode" }, shortEpisode(episode)), exercise));
  }
  table.tHead.replaceChildren(head);
  const rows = [];
  for (const [id, name] of learners) {
    const row = el("tr", { "data-learner": id }, el("th", { class: "name", title: `${name}: click for the timeline` }, name));
    row.firstChild.addEventListener("click", () => openTimeline(id));
    const setup = el("td", { "data-setup": "" });
    paintSetup(setup, name, room.setups.get(id));
    row.append(setup);
    for (const { episode, exercise } of room.exercises) {
      const td = el("td", { "data-episode": episode, "data-exercise": exercise });
      paintCell(td, name, exercise, room.cells.get(key(id, episode, exercise)));
      row.append(td);
    }
    rows.push(row);
  }
  table.tBodies[0].replaceChildren(...rows);
  renderSummary();
  fitRows();
}

function fitRows() {
  // Rows share the window's height (a projector shows the whole room without scrolling): the learners'
  // rows, "done", "stuck" and the progress row (1.4 rows), less the header and the tables' spacing.
  const n = Math.max(room.learners.size, 10);
  for (let pass = 0; pass < 2; pass += 1) {  // the header's height depends on the row height (its type scales)
    const wrap = document.getElementById("grid-wrap");
    const head = document.querySelector("#grid thead").offsetHeight;
    const spare = wrap.clientHeight - head - 12 - 3 * (n + 5);
    const row = Math.max(12, Math.min(44, spare / (n + 3.4)));
    document.documentElement.style.setProperty("--row", `${row.toFixed(2)}px`);
  }
}

function paintCell(td, name, exercise, cell) {
  td.className = "cell" + (cell ? ` ${cell.status}` : "") + (isStuck(cell) ? " stuck" : "");
  td.textContent = !cell ? "" : cell.status === "incorrect" ? `${STATUS_MARK.incorrect}${cell.incorrect}` : STATUS_MARK[cell.status] || "?";
  td.setAttribute("title", cellTitle(name, exercise, cell));
}

function exerciseSummary(episode, exercise) {
  const summary = { done: 0, stuck: 0, working: 0, none: 0, messages: new Map(), doneTimes: [] };
  for (const [id] of room.learners) {
    const cell = room.cells.get(key(id, episode, exercise));
    if (!cell) { summary.none += 1; continue; }
    if (cell.done_at !== null) summary.doneTimes.push(cell.done_at);
    if (cell.status === "correct") summary.done += 1;
    else if (isStuck(cell)) summary.stuck += 1;
    else summary.working += 1;
    if (cell.status === "incorrect") summary.messages.set(cell.message, (summary.messages.get(cell.message) || 0) + 1);
  }
  return summary;
}

function progressPlot(summary, total) {
  // A stacked bar (done, stuck, working, not started) over a step line: learners done over the session.
  const plot = svg("svg", { viewBox: "0 0 100 40", preserveAspectRatio: "none", role: "img" });
  let x = 0;
  for (const [count, colour] of [[summary.done, "#2e7d32"], [summary.stuck, "#ffd600"], [summary.working, "#c62828"], [summary.none, "#cfd8dc"]]) {
    const width = total ? (100 * count) / total : 0;
    plot.append(svg("rect", { x, y: 0, width, height: 12, fill: colour }));
    x += width;
  }
  const start = room.started, end = Math.max(now(), start + 1);
  const times = [...summary.doneTimes].sort((a, b) => a - b);
  const px = (t) => (100 * (t - start)) / (end - start);
  const py = (n) => 39 - (25 * n) / Math.max(total, 1);
  let points = `0,${py(0)}`;
  times.forEach((t, i) => { points += ` ${px(t)},${py(i)} ${px(t)},${py(i + 1)}`; });
  points += ` 100,${py(times.length)}`;
  plot.append(svg("line", { x1: 0, y1: 39.5, x2: 100, y2: 39.5, stroke: "#999", "stroke-width": 0.6 }));
  plot.append(svg("polyline", { points, fill: "none", stroke: "#2e7d32", "stroke-width": 1.6, "vector-effect": "non-scaling-stroke" }));
  const title = svg("title");
  title.textContent = `${summary.done} done, ${summary.stuck} stuck, ${summary.working} working, ${summary.none} not started; the line: learners done since ${clock(start)}`;
  plot.append(title);
  return plot;
}

function renderSummary() {
  const table = document.getElementById("grid");
  const total = room.learners.size;
  const ready = [...room.learners.keys()].filter((id) => room.setups.get(id)?.ready).length;
  const done = el("tr", {}, el("th", { class: "name" }, "done"), el("td", { class: "done-count", "data-setup": "" }, `${ready}/${total}`));
  const stuck = el("tr", {}, el("th", { class: "name" }, "stuck"), el("td", {}));
  const plots = el("tr", { class: "plot" }, el("th", { class: "name" }, "progress"), el("td", {}));
  const mistakes = [];
  for (const { episode, exercise } of room.exercises) {
    const summary = exerciseSummary(episode, exercise);
    done.append(el("td", { class: "done-count", "data-exercise": exercise }, `${summary.done}/${total}`));
    stuck.append(el("td", { class: "stuck-count", "data-exercise": exercise }, String(summary.stuck)));
    plots.append(el("td", {}, progressPlot(summary, total)));
    for (const [message, count] of summary.messages) mistakes.push({ exercise, message, count });
  }
  table.tFoot.replaceChildren(done, stuck, plots);
  mistakes.sort((a, b) => b.count - a.count || a.exercise.localeCompare(b.exercise));
  const items = mistakes.slice(0, 8).map(({ exercise, message, count }) =>
    el("li", { title: message }, el("span", { class: "count" }, `${count} learner${count === 1 ? "" : "s"}`), " on ",
       el("span", { class: "exercise" }, exercise), ":", el("span", { class: "text" }, message)));
  document.getElementById("messages").replaceChildren(...(items.length ? items : [el("li", {}, "none right now")]));
  document.getElementById("counts").textContent = `${total} learner${total === 1 ? "" : "s"} · ${room.results} checks`;
  renderReady();
}

function applyState(state) {
  room.config = state.config;
  room.skew = state.now - Date.now() / 1000;
  room.learners = new Map(state.learners.map((l) => [l.id, l.name]));
  room.exercises = state.exercises;
  room.cells = new Map(state.cells.map((c) => [key(c.learner, c.episode, c.exercise), c]));
  room.results = state.results;
  room.setups = new Map((state.setups || []).map((s) => [s.learner, s]));
  room.needs = state.needs || {};
  room.started = state.cells.reduce((earliest, c) => Math.min(earliest, c.first), state.started);
  document.getElementById("join-url").textContent = state.join_url;
  document.getElementById("rule").textContent = `Stuck: not passed after more than ${state.config.stuck_after} incorrect checks, or ${state.config.stuck_minutes} minutes after a first failing one.`;
  renderGrid();
}

function applyEvent(event, replay) {
  const learnerIsNew = !room.learners.has(event.learner.id);
  const renamed = !learnerIsNew && room.learners.get(event.learner.id) !== event.learner.name;
  room.learners.set(event.learner.id, event.learner.name);
  if (!event.cell) { renderGrid(); return; }
  const cell = event.cell;
  const id = key(cell.learner, cell.episode, cell.exercise);
  const old = room.cells.get(id);
  if (!old || old.attempts < cell.attempts) {
    room.cells.set(id, cell);
    room.results += 1;
  }
  room.started = Math.min(room.started, cell.first);
  if (addExercise(cell.episode, cell.exercise)) {
    loadState().catch(renderGrid);  // a new column: the server knows where it goes in the course's order
  } else if (learnerIsNew || renamed) {
    renderGrid();
  } else {
    const td = document.querySelector(`tr[data-learner="${CSS.escape(cell.learner)}"] td[data-episode="${CSS.escape(cell.episode)}"][data-exercise="${CSS.escape(cell.exercise)}"]`);
    if (td) paintCell(td, event.learner.name, cell.exercise, room.cells.get(id));
    renderSummary();
  }
  if (!replay && room.timelineOf === event.learner.id && event.result) appendTimeline(event.result);
}

function applySetup(event, replay) {
  const learnerIsNew = !room.learners.has(event.learner.id);
  const renamed = !learnerIsNew && room.learners.get(event.learner.id) !== event.learner.name;
  room.learners.set(event.learner.id, event.learner.name);
  room.setups.set(event.learner.id, event.setup);
  if (learnerIsNew || renamed) {
    renderGrid();
  } else {
    const td = document.querySelector(`tr[data-learner="${CSS.escape(event.learner.id)}"] td[data-setup]`);
    if (td) paintSetup(td, event.learner.name, event.setup);
    renderSummary();
  }
  if (!replay && room.timelineOf === event.learner.id) appendTimeline(asTimelineItem(event.setup, event.run.seq));
}

// Events that arrive while a state is being fetched: the state may have been read before them, so they are applied
// again on top of it (applying one twice changes nothing; a replay adds nothing to an open timeline).
const arrivedDuringLoad = [];
let loadsInFlight = 0;
async function loadState() {
  loadsInFlight += 1;
  try {
    const reply = await fetch("/api/state", { cache: "no-store" });
    if (!reply.ok) throw new Error(`state: ${reply.status}`);
    applyState(await reply.json());
    for (const [apply, event] of arrivedDuringLoad) apply(event, true);
  } finally {
    loadsInFlight -= 1;
    if (loadsInFlight === 0) arrivedDuringLoad.length = 0;
  }
}
function onEvent(apply) {
  return (message) => {
    const event = JSON.parse(message.data);
    if (loadsInFlight) arrivedDuringLoad.push([apply, event]);
    apply(event, false);
  };
}

function asTimelineItem(setup, seq) {
  // A set-up run in a learner's timeline: its verdict as the status, its problem (or its versions) as the message.
  const versions = `${setup.os}, Python ${setup.python}, TensorFlow ${setup.tensorflow || "does not import"}, Keras ${setup.keras || "does not import"}`;
  return { seq, received: setup.received, episode: "00", exercise: "set-up check", status: setup.ready ? "ready" : "not-ready",
           label: setup.ready ? "ready" : "not ready", message: setup.ready ? versions : `${setup.problem} (${versions})` };
}

function timelineItem(result) {
  return el("li", { "data-kind": result.label ? "setup" : "check" }, el("span", { class: "time" }, clock(result.received)),
            el("span", { class: "exercise" }, `${shortEpisode(result.episode)} ${result.exercise}`),
            el("span", { class: `status ${result.status}` }, result.label || result.status),
            el("span", { class: "message" }, result.message));
}
function timelineTitle(name) {
  const items = [...document.querySelectorAll("#timeline-list li")];
  const setups = items.filter((li) => li.dataset.kind === "setup").length, checks = items.length - setups;
  document.getElementById("timeline-name").textContent = `${name}: ${checks} check${checks === 1 ? "" : "s"}` +
    (setups ? `, ${setups} set-up run${setups === 1 ? "" : "s"}` : "");
}
function appendTimeline(result) {
  const list = document.getElementById("timeline-list");
  list.append(timelineItem(result));
  timelineTitle(room.learners.get(room.timelineOf));
}
async function openTimeline(id) {
  const reply = await fetch(`/api/learners/${encodeURIComponent(id)}`, { cache: "no-store" });
  if (!reply.ok) return;
  const data = await reply.json();
  room.timelineOf = id;
  const items = [...data.results, ...(data.setups || []).map((s) => asTimelineItem(s, s.seq))]
    .sort((a, b) => a.received - b.received || a.seq - b.seq);
  document.getElementById("timeline-list").replaceChildren(...items.map(timelineItem));
  timelineTitle(data.learner.name);
  document.getElementById("timeline").hidden = false;
}
function closeTimeline() {
  room.timelineOf = null;
  document.getElementById("timeline").hidden = true;
}

function listen() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => {
    live.textContent = "live"; live.className = "live on";
    loadState().catch(() => {});  // (again) after a reconnect: events missed while away are in the state
  };
  source.addEventListener("result", onEvent(applyEvent));
  source.addEventListener("setup", onEvent(applySetup));
  source.onerror = () => {
    live.className = "live off";
    // CLOSED: the server refused the stream (tokens revoked); otherwise the browser reconnects by itself.
    live.textContent = source.readyState === EventSource.CLOSED ? "disconnected: open the instructor URL again" : "reconnecting…";
  };
}

window.addEventListener("resize", fitRows);
document.getElementById("timeline-close").addEventListener("click", closeTimeline);
document.getElementById("timeline").addEventListener("click", (e) => { if (e.target.id === "timeline") closeTimeline(); });
document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeTimeline(); });
setInterval(() => { if (room.started !== null) renderGrid(); }, 10000);  // "stuck for M minutes" needs the clock
loadState().then(listen, () => { document.getElementById("live").textContent = "not authorised: open the instructor URL again"; });
