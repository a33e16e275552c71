// The live playground: the controls post settings and commands to the Go
// server, which trains and sends frames over server-sent events; this
// script only draws them.
"use strict";

const $ = (id) => document.getElementById(id);
const ALL_FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"];
const FEATURE_LABELS = { "x1": "X\u2081", "x2": "X\u2082", "x1^2": "X\u2081\u00b2", "x2^2": "X\u2082\u00b2",
  "x1x2": "X\u2081X\u2082", "sin_x1": "sin(X\u2081)", "sin_x2": "sin(X\u2082)" };
const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], WHITE = [232, 234, 235];

// state is what tests read through window.playground.
const state = { id: null, settings: null, limits: null, frames: 0, last: null, points: null, errors: [] };
window.playground = state;

function color(v) { // v in −1..1: orange, white, blue
  const t = Math.max(-1, Math.min(1, v));
  const a = t < 0 ? ORANGE : BLUE, f = Math.abs(t);
  return [0, 1, 2].map((k) => Math.round(WHITE[k] + (a[k] - WHITE[k]) * f));
}

async function api(path, method, body) {
  const r = await fetch(path, { method: method || "POST", headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) {
    const msg = (await r.text()).trim();
    throw new Error(msg || r.statusText);
  }
  return r.status === 204 ? null : r.json();
}

function status(msg) { $("status").textContent = msg || ""; }

async function command(op) {
  try { await api("/api/sessions/" + state.id + "/" + op); status(""); } catch (e) { status(e.message); }
}

async function sendSettings() {
  try { await api("/api/sessions/" + state.id + "/settings", "POST", state.settings); status(""); }
  catch (e) { status(e.message); }
  syncControls();
}

// ---- controls ----

function syncControls() {
  const s = state.settings;
  $("lr").value = String(s.lr);
  $("activation").value = s.activation;
  $("regularization").value = s.regularization;
  $("reg_rate").value = String(s.reg_rate);
  $("train_ratio").value = Math.round(s.train_ratio * 100);
  $("ratio-value").textContent = Math.round(s.train_ratio * 100) + "%";
  $("noise").value = Math.round(s.noise * 100);
  $("noise-value").textContent = s.noise.toFixed(2);
  $("batch").value = s.batch;
  $("batch-value").textContent = s.batch;
  const n = s.hidden.length;
  $("layers-label").textContent = n + " hidden layer" + (n === 1 ? "" : "s");
  for (const b of document.querySelectorAll("#datasets button")) {
    b.classList.toggle("selected", b.dataset.name === s.dataset);
  }
  layoutNeuronButtons();
}

function setupControls(datasets) {
  for (const name of datasets) {
    const b = document.createElement("button");
    b.id = "dataset-" + name;
    b.textContent = name;
    b.dataset.name = name;
    b.addEventListener("click", () => { state.settings.dataset = name; sendSettings(); });
    $("datasets").appendChild(b);
  }
  const sel = (id, parse) => $(id).addEventListener("change", () => { state.settings[id] = parse($(id).value); sendSettings(); });
  sel("lr", Number); sel("activation", String); sel("regularization", String); sel("reg_rate", Number);
  const range = (id, f) => $(id).addEventListener("change", () => { f(Number($(id).value)); sendSettings(); });
  range("train_ratio", (v) => { state.settings.train_ratio = v / 100; });
  range("noise", (v) => { state.settings.noise = v / 100; });
  range("batch", (v) => { state.settings.batch = v; });
  $("regenerate").addEventListener("click", () => { state.settings.seed += 1; sendSettings(); });
  $("play").addEventListener("click", () => command(state.last && state.last.playing ? "pause" : "play"));
  $("step").addEventListener("click", () => command("step"));
  $("reset").addEventListener("click", () => command("reset"));
  $("add-layer").addEventListener("click", () => {
    if (state.settings.hidden.length < state.limits.layers) { state.settings.hidden.push(2); sendSettings(); }
  });
  $("remove-layer").addEventListener("click", () => {
    if (state.settings.hidden.length > 0) { state.settings.hidden.pop(); sendSettings(); }
  });
  $("net").addEventListener("click", onNetClick);
  $("show-test").addEventListener("change", () => drawBoundary());
}

// ---- the network ----

const NODE = 40, NET_TOP = 10;

// columns: x of each column's node squares; features use all seven rows.
function columns() {
  const n = state.settings.hidden.length + 2, w = $("net").width;
  const gap = (w - NODE) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * gap));
}

function rowY(i, count) {
  const h = $("net").height - NET_TOP;
  const step = Math.min(NODE + 12, h / Math.max(count, 1));
  return NET_TOP + i * step + (count === 1 ? h / 2 - NODE : 0);
}

function layoutNeuronButtons() {
  const wrap = $("neuron-buttons");
  wrap.textContent = "";
  const xs = columns();
  state.settings.hidden.forEach((n, l) => {
    const d = document.createElement("div");
    d.className = "nb";
    d.style.left = (xs[l + 1] - 8) + "px";
    const plus = document.createElement("button"), minus = document.createElement("button");
    plus.textContent = "+"; minus.textContent = "\u2212";
    plus.id = "add-neuron-" + l; minus.id = "remove-neuron-" + l;
    plus.addEventListener("click", () => {
      if (state.settings.hidden[l] < state.limits.neurons) { state.settings.hidden[l]++; sendSettings(); }
    });
    minus.addEventListener("click", () => {
      if (state.settings.hidden[l] > 1) { state.settings.hidden[l]--; sendSettings(); }
    });
    const label = document.createElement("span");
    label.textContent = n;
    d.append(plus, minus, label);
    wrap.appendChild(d);
  });
}

// nodePositions lists each column's nodes' top-left corners for frame f.
function nodePositions(f) {
  const xs = columns();
  const cols = [ALL_FEATURES.map((_, i) => [xs[0], rowY(i, ALL_FEATURES.length)])];
  for (let l = 1; l < f.layers.length; l++) {
    const n = f.layers[l];
    cols.push(Array.from({ length: n }, (_, i) => [xs[l], rowY(i, n)]));
  }
  return cols;
}

function thumbnail(values, size) {
  const c = document.createElement("canvas");
  c.width = size; c.height = size;
  const ctx = c.getContext("2d"), img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = color(values[i] / 100);
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

function drawNetwork(f) {
  const cv = $("net"), ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const pos = nodePositions(f);
  // Column 0 holds all features; the frame's nodes hold the used ones.
  const used = f.features.map((name) => ALL_FEATURES.indexOf(name));
  const from = (l, i) => (l === 0 ? pos[0][used[i]] : pos[l][i]);
  // Weights first, under the nodes.
  f.weights.forEach((w, l) => {
    w.forEach((row, i) => row.forEach((v, o) => {
      const [x0, y0] = from(l, i), [x1, y1] = pos[l + 1][o];
      ctx.strokeStyle = "rgb(" + color(Math.tanh(v)).join(",") + ")";
      ctx.lineWidth = Math.max(0.5, Math.min(8, Math.abs(v) * 2));
      ctx.beginPath();
      ctx.moveTo(x0 + NODE, y0 + NODE / 2);
      ctx.bezierCurveTo(x0 + NODE + 30, y0 + NODE / 2, x1 - 30, y1 + NODE / 2, x1, y1 + NODE / 2);
      ctx.stroke();
    }));
  });
  ctx.imageSmoothingEnabled = true;
  let k = 0;
  ALL_FEATURES.forEach((name, i) => {
    const [x, y] = pos[0][i];
    const on = used.includes(i);
    ctx.globalAlpha = on ? 1 : 0.3;
    if (on) {
      ctx.drawImage(thumbnail(f.nodes[used.indexOf(i)], f.thumb), x, y, NODE, NODE);
    } else {
      ctx.fillStyle = "#ddd"; ctx.fillRect(x, y, NODE, NODE);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#333"; ctx.font = "11px sans-serif";
    ctx.fillText(FEATURE_LABELS[name], x + NODE + 4, y + 12);
  });
  k = f.features.length;
  for (let l = 1; l < pos.length; l++) {
    pos[l].forEach(([x, y]) => {
      ctx.drawImage(thumbnail(f.nodes[k++], f.thumb), x, y, NODE, NODE);
      ctx.strokeStyle = "#888"; ctx.lineWidth = 1; ctx.strokeRect(x, y, NODE, NODE);
    });
  }
}

function onNetClick(ev) {
  if (!state.last) return;
  const r = $("net").getBoundingClientRect();
  const x = ev.clientX - r.left, y = ev.clientY - r.top;
  const pos = nodePositions(state.last)[0];
  pos.forEach(([nx, ny], i) => {
    if (x >= nx && x <= nx + NODE && y >= ny && y <= ny + NODE) {
      const name = ALL_FEATURES[i], fs = state.settings.features;
      if (fs.includes(name)) {
        if (fs.length > 1) fs.splice(fs.indexOf(name), 1);
      } else {
        fs.push(name);
        fs.sort((a, b) => ALL_FEATURES.indexOf(a) - ALL_FEATURES.indexOf(b));
      }
      sendSettings();
    }
  });
}

// ---- the output ----

let boundaryImage = null;

function drawBoundary() {
  const f = state.last;
  if (!f || !f.boundary) return;
  const cv = $("boundary"), ctx = cv.getContext("2d"), g = f.grid;
  boundaryImage = thumbnail(f.boundary, g);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(boundaryImage, 0, 0, cv.width, cv.height);
  if (!state.points) return;
  const [x0, x1, y0, y1] = f.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * cv.width, py = (y) => ((y1 - y) / (y1 - y0)) * cv.height;
  const dots = (pts, stroke) => pts.forEach(([x, y, c]) => {
    ctx.beginPath();
    ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
    ctx.fillStyle = "rgb(" + (c === 1 ? BLUE : ORANGE).join(",") + ")";
    ctx.fill();
    ctx.strokeStyle = stroke; ctx.lineWidth = 1; ctx.stroke();
  });
  dots(state.points.train, "#fff");
  if ($("show-test").checked) dots(state.points.test, "#000");
}

function drawLoss(f) {
  const cv = $("loss"), ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const h = f.history || [];
  if (h.length < 2) return;
  const maxE = h[h.length - 1][0] || 1;
  let maxL = 0;
  for (const [, a, b] of h) maxL = Math.max(maxL, a, b);
  maxL = maxL || 1;
  const line = (k, style) => {
    ctx.strokeStyle = style; ctx.lineWidth = 1.5; ctx.beginPath();
    h.forEach((p, i) => {
      const x = (p[0] / maxE) * (cv.width - 2) + 1, y = cv.height - 1 - (p[k] / maxL) * (cv.height - 2);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  };
  line(2, "#999");
  line(1, "#222");
}

function onFrame(ev) {
  const f = JSON.parse(ev.data);
  if (f.error) { status(f.error); $("play").classList.remove("playing"); return; }
  state.frames++;
  if (f.train_points) state.points = { train: f.train_points, test: f.test_points || [] };
  state.last = f;
  $("epoch").textContent = String(f.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  $("train-loss").textContent = f.train_loss.toFixed(3);
  $("test-loss").textContent = f.test_loss.toFixed(3);
  $("play").classList.toggle("playing", f.playing);
  $("play").innerHTML = f.playing ? "&#x275a;&#x275a; Pause" : "&#x25b6; Play";
  if (JSON.stringify(f.settings.hidden) !== JSON.stringify(state.settings.hidden)) {
    state.settings.hidden = f.settings.hidden.slice();
    syncControls();
  }
  drawNetwork(f);
  drawBoundary();
  drawLoss(f);
}

async function start() {
  try {
    const d = await api("/api/defaults", "GET");
    state.settings = d.settings;
    state.limits = d.limits;
    setupControls(d.datasets);
    syncControls();
    const s = await api("/api/sessions", "POST", state.settings);
    state.id = s.id;
    const es = new EventSource("/api/sessions/" + state.id + "/events");
    es.onmessage = onFrame;
    es.addEventListener("closed", () => { es.close(); status("This session has ended: reload the page for a new one."); });
    state.events = es;
    window.addEventListener("pagehide", () => {
      es.close();
      navigator.sendBeacon("/api/sessions/" + state.id + "/close");
    });
  } catch (e) {
    status(e.message);
  }
}

start();
