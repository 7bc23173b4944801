// Embody batch index: metrics side by side, one channel overlaid across runs. Written for Embody.
'use strict';
(function () {
  const runs = JSON.parse(document.getElementById('embody-data').textContent);
  const $ = (id) => document.getElementById(id);
  function f32(b64) {
    const s = atob(b64), u = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return new Float32Array(u.buffer);
  }
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const fmt = (v) => { const a = Math.abs(v); return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : +v.toPrecision(4) + ''; };
  $('facts').textContent = runs.length + ' runs';

  // Metrics side by side: one row per run, one column per metric.
  const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const table = $('runs'), head = table.createTHead().insertRow();
  for (const h of ['', 'run', 'outcome'].concat(metricNames)) { const th = document.createElement('th'); th.textContent = h; head.appendChild(th); }
  runs.forEach((r, i) => {
    const tr = table.insertRow();
    const sw = tr.insertCell(); sw.style.color = palette[i % 10]; sw.textContent = '■';
    const name = tr.insertCell();
    if (r.page) { const a = document.createElement('a'); a.href = r.page; a.textContent = r.title; name.appendChild(a); } else name.textContent = r.title;
    const o = tr.insertCell(); o.textContent = r.outcome; o.className = r.outcome === 'success' ? 'pass' : 'failtext';
    for (const m of metricNames) { const c = tr.insertCell(); c.className = 'num'; c.textContent = m in r.metrics ? fmt(r.metrics[m]) : ''; }
  });

  // The overlay plot.
  const data = runs.map((r) => ({ t: r.t ? f32(r.t) : null, ch: r.channels }));
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.channels)))].sort();
  const sel = $('channel');
  for (const n of names) { const o = document.createElement('option'); o.value = n; o.textContent = n; sel.appendChild(o); }
  sel.value = names.includes('base.z') ? 'base.z' : names[0] || '';
  function draw() {
    const c = $('overlay'), w = c.clientWidth, h = c.clientHeight;
    c.width = w; c.height = h;
    const g = c.getContext('2d');
    g.fillStyle = 'white'; g.fillRect(0, 0, w, h);
    const lines = data.map((d, i) => (d.t && d.ch[sel.value] ? { t: d.t, v: f32(d.ch[sel.value]), color: palette[i % 10], label: runs[i].title } : null)).filter(Boolean);
    let lo = Infinity, hi = -Infinity, t1 = 0;
    for (const l of lines) { for (const v of l.v) if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } t1 = Math.max(t1, l.t[l.t.length - 1]); }
    if (!isFinite(lo)) { lo = -1; hi = 1; }
    if (hi - lo < 1e-12) { lo -= 1; hi += 1; }
    const x0 = 60, x1 = w - 10, y0 = h - 24, y1 = 10;
    const X = (t) => x0 + t / (t1 || 1) * (x1 - x0), Y = (v) => y0 + (v - lo) / (hi - lo) * (y1 - y0);
    g.strokeStyle = '#9aa3ae'; g.strokeRect(x0, y1, x1 - x0, y0 - y1);
    g.fillStyle = '#56606c'; g.font = '11px system-ui, sans-serif';
    g.textAlign = 'right'; g.fillText(fmt(hi), x0 - 4, y1 + 8); g.fillText(fmt(lo), x0 - 4, y0);
    g.textAlign = 'center'; g.fillText('0 s', x0, y0 + 14); g.fillText(fmt(t1) + ' s', x1, y0 + 14);
    for (const l of lines) {
      g.strokeStyle = l.color; g.lineWidth = 1.3; g.beginPath();
      for (let i = 0; i < l.v.length; i++) { const x = X(l.t[i]), y = Y(l.v[i]); if (i) g.lineTo(x, y); else g.moveTo(x, y); }
      g.stroke();
    }
  }
  sel.onchange = draw;
  window.addEventListener('resize', draw);
  draw();
  window.embodyIndex = { runs: runs.length, channels: names.length, ready: true };
})();
