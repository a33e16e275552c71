// The dashboard's page: it reads the run's server-sent events (a "record"
// of the run so far, then "batch", "epoch", "meta", "end", "report" and,
// when the server closes, "bye") and redraws at most ten times a second.
// The state is window.dashboard, which the tests read.
'use strict';

(() => {
  const MAX_POINTS = 8192; // batch points drawn; beyond, every other is dropped
  const MIN_INTERVAL = 100; // ms between redraws: 10 a second at most, the page's CPU bounded
  const COLORS = { train: '#1f77b4', val: '#ff7f0e', smooth: '#0b3c68' };
  const d = {
    frames: 0, draws: 0, drawMs: 0, batches: [], stride: 1, epochs: [], meta: null,
    ended: false, endLogs: null, report: [], closed: false, lost: false, lastStep: -1,
  };
  window.dashboard = d;
  const $ = (id) => document.getElementById(id);
  let dirty = true, metaDirty = true, reportDirty = true, lastDraw = -Infinity;

  function addBatch(p) {
    if (p.step <= d.lastStep) return; // already drawn (a record came first)
    d.lastStep = p.step;
    if (p.step % d.stride !== 0) return;
    if (d.batches.length >= MAX_POINTS) {
      d.batches = d.batches.filter((_, i) => i % 2 === 0);
      d.stride *= 2;
      if (p.step % d.stride !== 0) return;
    }
    d.batches.push(p);
  }

  const handlers = {
    record(r) {
      d.meta = r.meta; d.stride = r.stride; d.batches = []; d.lastStep = -1;
      for (const p of r.batches) addBatch(p);
      if (r.batches.length) d.lastStep = r.batches[r.batches.length - 1].step;
      d.epochs = r.epochs; d.ended = r.ended; d.endLogs = r.end; d.report = r.report;
      metaDirty = reportDirty = true;
    },
    meta(m) { d.meta = m; d.ended = false; metaDirty = true; },
    batch(p) { addBatch(p); },
    epoch(e) { d.epochs.push(e); },
    end(logs) { d.ended = true; d.endLogs = logs; },
    report(files) { d.report = files; reportDirty = true; },
    bye() { d.closed = true; es.close(); },
  };

  const es = new EventSource('events');
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (ev) => {
      d.frames++;
      fn(JSON.parse(ev.data));
      schedule();
    });
  }
  es.onopen = () => { d.closed = d.lost = false; schedule(); };
  // The server went without saying bye (the program was stopped): the
  // browser retries every two seconds.
  es.onerror = () => { if (!d.closed) { d.lost = true; schedule(); } };

  function schedule() {
    if (dirty) return;
    dirty = true;
    const wait = lastDraw + MIN_INTERVAL - performance.now();
    if (wait > 0) setTimeout(() => requestAnimationFrame(draw), wait);
    else requestAnimationFrame(draw);
  }

  // fmt writes a figure as Keras's progress bar does.
  function fmt(v) {
    if (v === null || v === undefined) return 'NaN';
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) > 1e-3 ? v.toFixed(4) : v.toExponential(4);
  }

  // table fills el with rows [name, value]; raw writes numbers in full
  // (settings), otherwise as Keras's progress bar does (figures).
  function table(el, rows, raw) {
    const body = document.createElement('tbody');
    for (const [k, v] of rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = k;
      tr.insertCell().textContent = raw && typeof v === 'number' ? String(v) : fmt(v);
    }
    el.replaceChildren(body);
  }

  function drawMeta() {
    const m = d.meta;
    if (!m) return;
    $('title').textContent = m.title || 'gradgraph dashboard';
    document.title = (m.title || 'gradgraph') + ' · dashboard';
    table($('hparams'), m.hparams, true);
    $('summary').textContent = m.summary || '(the summary comes when training begins)';
    const img = $('diagram');
    if (m.diagram === 'ok') {
      if (img.hidden) { img.src = 'model.png'; img.hidden = false; }
      $('diagram-note').textContent = '';
    } else {
      $('diagram-note').textContent = m.diagram || '';
    }
  }

  function drawReport() {
    const files = d.report || [];
    $('report').hidden = files.length === 0;
    const links = $('report-links');
    links.replaceChildren();
    for (const f of files) {
      const a = document.createElement('a');
      a.href = 'report/' + encodeURIComponent(f);
      a.textContent = f;
      a.target = '_blank';
      links.append(a, ' ');
    }
    const frame = $('report-frame');
    if (files.includes('report.html')) {
      frame.hidden = false;
      frame.src = 'report/report.html';
    } else {
      frame.hidden = true;
    }
  }

  // niceTicks: about n round values covering [lo, hi].
  function niceTicks(lo, hi, n) {
    const span = hi - lo || Math.abs(hi) || 1;
    const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  // chart draws series [{name, color, xs, ys, width}] on canvas c.
  function chart(c, series, xlabel) {
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '11px system-ui, sans-serif';
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const s of series) {
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i];
        if (y === null || !isFinite(y)) continue;
        x0 = Math.min(x0, s.xs[i]); x1 = Math.max(x1, s.xs[i]);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
    const L = 52, R = 10, T = 8, B = 30;
    g.fillStyle = '#5f6b78';
    if (x0 === Infinity) {
      g.fillText('no points yet', L, T + 14);
      return;
    }
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
    const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
    const X = (x) => L + (x - x0) / (x1 - x0) * (w - L - R);
    const Y = (y) => h - B - (y - y0) / (y1 - y0) * (h - T - B);
    g.strokeStyle = '#e6e9ed'; g.lineWidth = 1;
    g.textAlign = 'right'; g.textBaseline = 'middle';
    for (const t of niceTicks(y0, y1, 5)) {
      g.beginPath(); g.moveTo(L, Y(t)); g.lineTo(w - R, Y(t)); g.stroke();
      g.fillText(String(+t.toPrecision(6)), L - 4, Y(t));
    }
    g.textAlign = 'center'; g.textBaseline = 'top';
    for (const t of niceTicks(x0, x1, 6)) {
      if (!Number.isInteger(t)) continue;
      g.fillText(String(t), X(t), h - B + 4);
    }
    g.fillText(xlabel, L + (w - L - R) / 2, h - 13);
    g.strokeStyle = '#9aa5b1'; g.strokeRect(L, T, w - L - R, h - T - B);
    let lx = L + 8;
    for (const s of series) {
      g.strokeStyle = s.color; g.lineWidth = s.width || 1.5;
      g.beginPath();
      let pen = false;
      for (let i = 0; i < s.xs.length; i++) {
        const y = s.ys[i];
        if (y === null || !isFinite(y)) { pen = false; continue; }
        if (pen) g.lineTo(X(s.xs[i]), Y(y)); else g.moveTo(X(s.xs[i]), Y(y));
        pen = true;
      }
      g.stroke();
      if (s.xs.length === 1) { g.fillStyle = s.color; g.fillRect(X(s.xs[0]) - 2, Y(s.ys[0]) - 2, 4, 4); }
      if (s.name) {
        g.fillStyle = s.color; g.textAlign = 'left'; g.textBaseline = 'top';
        g.fillRect(lx, T + 6, 10, 3);
        g.fillText(s.name, lx + 14, T + 1);
        lx += 24 + g.measureText(s.name).width;
      }
    }
  }

  // epochKeys: the logs' keys without val_, loss first.
  function epochKeys() {
    const keys = new Set();
    for (const e of d.epochs) for (const k of Object.keys(e.logs)) keys.add(k.startsWith('val_') ? k.slice(4) : k);
    return [...keys].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  }

  function drawCurves() {
    const xs = d.batches.map((p) => p.step + 1), ys = d.batches.map((p) => p.loss);
    const smooth = [];
    let s = null;
    for (const y of ys) {
      if (y !== null && isFinite(y)) s = s === null ? y : 0.9 * s + 0.1 * y;
      smooth.push(s);
    }
    chart($('batch-chart'), [
      { name: 'batch loss', color: '#9ecae1', xs, ys, width: 1 },
      { name: 'smoothed', color: COLORS.smooth, xs, ys: smooth, width: 1.5 },
    ], 'step');
    $('batch-note').textContent = d.batches.length
      ? `${d.lastStep + 1} steps${d.stride > 1 ? `, every ${d.stride}th drawn` : ''}` : '';

    const box = $('epoch-charts');
    const ex = d.epochs.map((e) => e.epoch + 1);
    for (const k of epochKeys()) {
      let c = box.querySelector(`canvas[data-key="${CSS.escape(k)}"]`);
      if (!c) {
        const card = document.createElement('div');
        card.className = 'card';
        const h = document.createElement('h2');
        h.textContent = k + ' per epoch';
        c = document.createElement('canvas');
        c.className = 'chart'; c.dataset.key = k;
        card.append(h, c);
        box.append(card);
      }
      const series = [];
      if (d.epochs.some((e) => k in e.logs)) series.push({ name: k, color: COLORS.train, xs: ex, ys: d.epochs.map((e) => (k in e.logs ? e.logs[k] : null)) });
      if (d.epochs.some((e) => 'val_' + k in e.logs)) series.push({ name: 'val_' + k, color: COLORS.val, xs: ex, ys: d.epochs.map((e) => (('val_' + k) in e.logs ? e.logs['val_' + k] : null)) });
      chart(c, series, 'epoch');
    }
    const last = d.epochs[d.epochs.length - 1];
    if (last) table($('last-logs'), [['epoch', last.epoch + 1], ...Object.entries(last.logs)]);
  }

  function drawStatus() {
    const st = $('status');
    const last = d.epochs[d.epochs.length - 1];
    let text;
    if (d.ended) text = `finished after ${d.epochs.length} epochs`;
    else if (d.batches.length || last) text = `training: epoch ${(d.batches.length ? d.batches[d.batches.length - 1].epoch : last.epoch) + 1}, step ${d.lastStep + 1}`;
    else text = 'waiting for training to begin';
    if (d.closed) text += ' · the server has closed';
    else if (d.lost) text += ' · connection lost, retrying';
    st.textContent = text;
    st.className = 'status' + (d.closed || d.lost ? ' closed' : d.ended ? ' done' : '');
  }

  function draw() {
    dirty = false;
    lastDraw = performance.now();
    d.draws++;
    if (metaDirty) { metaDirty = false; drawMeta(); }
    if (reportDirty) { reportDirty = false; drawReport(); }
    drawCurves();
    drawStatus();
    d.drawMs += performance.now() - lastDraw;
  }
  window.addEventListener('resize', schedule);
  requestAnimationFrame(draw);
})();
